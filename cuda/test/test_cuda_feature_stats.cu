// Test of the device feature statistics (count, sum |a|, sum a, max |a|, rows) against the host's
// exact fixed-point reference (native/src/kernels/exact_sum.h, the engine's one definition): the
// sums must be BIT-IDENTICAL, whatever order the atomics ran in. Covers a hand-computed case, a
// row-index list, accumulation over several batches, merging into existing host values,
// values beyond 2^22 (the 128-bit path) and reset-on-fetch.
//
// Build & run: cmake -S cuda -B build/cuda -G Ninja && cmake --build build/cuda && build/cuda/test_cuda_feature_stats
#include <algorithm>

#include "exact_sum.h"
#include "test_util.h"

namespace {

struct HostStats {
    std::vector<int64_t> count, sum_abs, sum;  // sums: [2F] (hi, lo)
    std::vector<float> max_abs;
    int64_t rows = 0;
    explicit HostStats(int F) : count(F, 0), sum_abs(2 * (size_t)F, 0), sum(2 * (size_t)F, 0), max_abs(F, 0.0f) {}
};

// rows: indices into idx/val rows ([*, k]); empty = all rows in order
void ref_add(HostStats& h, const std::vector<int32_t>& idx, const std::vector<float>& val, const std::vector<int32_t>& rows, int k,
             int F) {
    const size_t n_rows = rows.empty() ? idx.size() / k : rows.size();
    for (size_t r = 0; r < n_rows; ++r) {
        const size_t row = rows.empty() ? r : (size_t)rows[r];
        for (int j = 0; j < k; ++j) {
            const int f = idx[row * k + j];
            const float v = val[row * k + j];
            if (f < 0 || f >= F || v == 0.0f) continue;
            h.count[f] += 1;
            llama_sae::add_value(&h.sum_abs[2 * (size_t)f], std::fabs((double)v));
            llama_sae::add_value(&h.sum[2 * (size_t)f], (double)v);
            h.max_abs[f] = std::max(h.max_abs[f], std::fabs(v));
        }
    }
    h.rows += (int64_t)n_rows;
}

long compare(const HostStats& g, const HostStats& r) {
    long bad = 0;
    for (size_t f = 0; f < g.count.size(); ++f) {
        const bool ok = g.count[f] == r.count[f] && g.sum_abs[2 * f] == r.sum_abs[2 * f] && g.sum_abs[2 * f + 1] == r.sum_abs[2 * f + 1] &&
                        g.sum[2 * f] == r.sum[2 * f] && g.sum[2 * f + 1] == r.sum[2 * f + 1] && g.max_abs[f] == r.max_abs[f];
        if (!ok) {
            if (bad < 5)
                std::printf("  latent %zu: gpu (%lld, %.17g, %.17g, %g) ref (%lld, %.17g, %.17g, %g)\n", f, (long long)g.count[f],
                            llama_sae::fixed_to_double(&g.sum_abs[2 * f]), llama_sae::fixed_to_double(&g.sum[2 * f]), g.max_abs[f],
                            (long long)r.count[f], llama_sae::fixed_to_double(&r.sum_abs[2 * f]),
                            llama_sae::fixed_to_double(&r.sum[2 * f]), r.max_abs[f]);
            ++bad;
        }
    }
    if (g.rows != r.rows) {
        std::printf("  rows: gpu %lld ref %lld\n", (long long)g.rows, (long long)r.rows);
        ++bad;
    }
    return bad;
}

void fetch(llama_sae_cuda_stats* st, HostStats& h, int reset) {
    TEST_OK(llama_sae_cuda_stats_fetch_merge(st, h.count.data(), h.sum_abs.data(), h.sum.data(), h.max_abs.data(), &h.rows,
                                             reset, nullptr));
}

}  // namespace

int main() {
    skip_without_device();
    int failed = 0;
    {  // hand-computed: F = 4, two rows, k = 3
        const std::vector<int32_t> idx = {2, 0, -1, 2, 3, 1};
        const std::vector<float> val = {1.5f, -2.0f, 7.0f, -0.5f, 0.0f, 3.0f};
        // latent 0: one activation -2 -> count 1, sum|a| 2, sum -2, max 2
        // latent 1: 3 -> 1, 3, 3, 3;  latent 2: 1.5 and -0.5 -> 2, 2, 1, 1.5;  latent 3: value 0 -> inactive
        llama_sae_cuda_stats* st = nullptr;
        TEST_OK(llama_sae_cuda_stats_init(4, &st));
        int32_t* di = device_alloc<int32_t>(idx.size());
        float* dv = device_alloc<float>(val.size());
        to_device(di, idx);
        to_device(dv, val);
        TEST_OK(llama_sae_cuda_stats_accumulate(st, di, dv, nullptr, 2, 3, nullptr));
        HostStats g(4);
        fetch(st, g, 1);
        auto sums = [](const std::vector<int64_t>& s) {
            std::vector<double> out;
            for (size_t f = 0; f < s.size() / 2; ++f) out.push_back(llama_sae::fixed_to_double(&s[2 * f]));
            return out;
        };
        const bool ok = g.count == std::vector<int64_t>{1, 1, 2, 0} && sums(g.sum_abs) == std::vector<double>{2, 3, 2, 0} &&
                        sums(g.sum) == std::vector<double>{-2, 3, 1, 0} && g.max_abs == std::vector<float>{2, 3, 1.5f, 0} && g.rows == 2;
        std::printf("hand-computed case: %s\n", ok ? "ok" : "FAILED");
        failed += !ok;
        // the same codes through a row list (row 1 twice, row 0 once)
        const std::vector<int32_t> rows = {1, 0, 1};
        int32_t* dr = device_alloc<int32_t>(rows.size());
        to_device(dr, rows);
        TEST_OK(llama_sae_cuda_stats_accumulate(st, di, dv, dr, 3, 3, nullptr));
        HostStats gl(4), rl(4);
        fetch(st, gl, 1);
        ref_add(rl, idx, val, rows, 3, 4);
        const long bad = compare(gl, rl);
        std::printf("row-index list: %s\n", bad ? "FAILED" : "ok");
        failed += bad != 0;
        cudaFree(dr);
        cudaFree(di);
        cudaFree(dv);
        llama_sae_cuda_stats_free(st);
    }
    std::mt19937_64 rng(99);
    const int F = 65536, k = 64;
    llama_sae_cuda_stats* st = nullptr;
    TEST_OK(llama_sae_cuda_stats_init(F, &st));
    HostStats ref(F), got(F);
    // pre-existing host values are merged into, not overwritten
    for (int f = 0; f < F; f += 1000) {
        ref.count[f] = got.count[f] = 5;
        llama_sae::add_value(&ref.sum_abs[2 * (size_t)f], 2.5);
        llama_sae::add_value(&got.sum_abs[2 * (size_t)f], 2.5);
        llama_sae::add_value(&ref.sum[2 * (size_t)f], -1.0);
        llama_sae::add_value(&got.sum[2 * (size_t)f], -1.0);
        ref.max_abs[f] = got.max_abs[f] = 0.75f;
    }
    std::uniform_int_distribution<int> hot(0, 255), any(-1, F - 1);
    std::normal_distribution<float> nv(0.0f, 1.0f);
    const int batches[] = {1, 512, 4096, 3};
    for (int T : batches) {
        std::vector<int32_t> idx((size_t)T * k);
        std::vector<float> val((size_t)T * k);
        for (size_t i = 0; i < idx.size(); ++i) {
            idx[i] = (i % 2) ? hot(rng) : any(rng);  // hot latents stress the atomics (and the carries)
            val[i] = (i % 7 == 0) ? 0.0f : nv(rng) * ((i % 101 == 0) ? 3e7f : 1.0f);  // some beyond 2^22
        }
        int32_t* di = device_alloc<int32_t>(idx.size());
        float* dv = device_alloc<float>(val.size());
        to_device(di, idx);
        to_device(dv, val);
        TEST_OK(llama_sae_cuda_stats_accumulate(st, di, dv, nullptr, T, k, nullptr));
        TEST_CUDA(cudaDeviceSynchronize());
        ref_add(ref, idx, val, {}, k, F);
        cudaFree(di);
        cudaFree(dv);
    }
    fetch(st, got, 1);
    long bad = compare(got, ref);
    fetch(st, got, 0);  // after reset: adds nothing
    bad += compare(got, ref);
    std::printf("random batches (F=%d, k=%d, %d batches), merge and reset, bit-exact sums: %ld mismatches %s\n", F, k, 4, bad,
                bad ? "FAILED" : "ok");
    failed += bad != 0;
    llama_sae_cuda_stats_free(st);
    if (failed) {
        std::printf("FAILED: %d check(s)\n", failed);
        return 1;
    }
    std::printf("all feature-stats cases passed\n");
    return 0;
}
