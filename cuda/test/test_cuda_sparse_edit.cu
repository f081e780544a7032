// Test of llama_sae_cuda_apply_edits_and_update against a double-precision CPU reference of the
// contract (scale/ablate, clamp incl. inactive latents, swap with active/inactive partners,
// steer; error-preserving and reconstruction modes). Rows the edits do not change must stay
// BIT-identical (memcmp). Residual tolerance |gpu - ref| <= 1e-5 + 1e-4 |ref|.
//
// Build & run: cmake -S cuda -B build/cuda -G Ninja && cmake --build build/cuda && build/cuda/test_cuda_sparse_edit
#include <algorithm>
#include <map>

#include "test_util.h"

namespace {

// z' of one row per the contract; z given as (idx, val) slots (idx -1 = empty).
std::map<int, double> edited_code(const std::vector<int32_t>& idx, const std::vector<float>& val,
                                  const std::vector<llama_sae_cuda_edit>& edits, std::map<int, double>& z) {
    z.clear();
    for (size_t j = 0; j < idx.size(); ++j)
        if (idx[j] >= 0) z[idx[j]] = val[j];
    auto zof = [&](int f) { auto it = z.find(f); return it == z.end() ? 0.0 : it->second; };
    std::map<int, double> zp = z;
    for (const auto& e : edits) {
        if (e.op == LLAMA_SAE_EDIT_SCALE) zp[e.latent] = (double)(float)(e.value * (float)zof(e.latent));
        if (e.op == LLAMA_SAE_EDIT_CLAMP) zp[e.latent] = e.value;
        if (e.op == LLAMA_SAE_EDIT_SWAP) {
            zp[e.latent] = zof(e.partner);
            zp[e.partner] = zof(e.latent);
        }
    }
    return zp;
}

struct Result {
    long bad = 0, changed_untouched = 0, untouched_rows = 0;
};

Result run(const HostSae& s, llama_sae_cuda_sae* sae, llama_sae_cuda_edits* dedits, const std::vector<llama_sae_cuda_edit>& edits,
           int mode, int T, int k, std::mt19937_64& rng, bool pass_null_edits) {
    const int d = s.d, F = s.F;
    std::vector<float> x((size_t)T * d);
    std::normal_distribution<float> nx(0.0f, 1.0f);
    for (auto& v : x) v = nx(rng);
    // codes: distinct latents per row, drawn from a small pool so edited latents recur
    std::vector<int32_t> idx((size_t)T * k);
    std::vector<float> val((size_t)T * k);
    std::uniform_int_distribution<int> pool(0, std::min(F, 4 * k) - 1);
    std::uniform_real_distribution<float> uv(-2.0f, 3.0f);
    for (int t = 0; t < T; ++t) {
        std::vector<int> used;
        for (int j = 0; j < k; ++j) {
            int f;
            do f = pool(rng); while (std::find(used.begin(), used.end(), f) != used.end());
            used.push_back(f);
            const float r = uv(rng);
            idx[(size_t)t * k + j] = (j == k - 1 && t % 3 == 0) ? -1 : f;  // some empty slots
            val[(size_t)t * k + j] = (j == k - 1 && t % 3 == 0) ? 0.0f : (r < -1.5f ? 0.0f : r);
        }
    }
    float* dx = device_alloc<float>(x.size());
    int32_t* di = device_alloc<int32_t>(idx.size());
    float* dv = device_alloc<float>(val.size());
    to_device(dx, x);
    to_device(di, idx);
    to_device(dv, val);
    TEST_OK(llama_sae_cuda_edits_set(dedits, edits.data(), (int)edits.size(), nullptr));
    TEST_OK(llama_sae_cuda_apply_edits_and_update(sae, dx, T, k, di, dv, pass_null_edits ? nullptr : dedits, mode, nullptr));
    TEST_CUDA(cudaDeviceSynchronize());
    const std::vector<float> got = to_host(dx, x.size());
    Result res;
    for (int t = 0; t < T; ++t) {
        std::vector<int32_t> ri(idx.begin() + (size_t)t * k, idx.begin() + (size_t)(t + 1) * k);
        std::vector<float> rv(val.begin() + (size_t)t * k, val.begin() + (size_t)(t + 1) * k);
        std::map<int, double> z;
        const std::map<int, double> zp = edited_code(ri, rv, pass_null_edits ? std::vector<llama_sae_cuda_edit>{} : edits, z);
        std::vector<double> ref(d);
        bool touched = false;
        for (int i = 0; i < d; ++i) ref[i] = mode == LLAMA_SAE_EDIT_MODE_RECONSTRUCTION ? s.b_dec[i] : x[(size_t)t * d + i];
        for (const auto& [f, v] : zp) {
            const double zf = z.count(f) ? z.at(f) : 0.0;
            const double c = mode == LLAMA_SAE_EDIT_MODE_RECONSTRUCTION ? v : v - zf;
            if (c != 0.0) touched = true;
            for (int i = 0; i < d; ++i) ref[i] += c * s.w_dec[(size_t)f * d + i];
        }
        if (!pass_null_edits)
            for (const auto& e : edits)
                if (e.op == LLAMA_SAE_EDIT_STEER) {
                    touched |= e.value != 0.0f;
                    for (int i = 0; i < d; ++i) ref[i] += (double)e.value * s.w_dec[(size_t)e.latent * d + i];
                }
        const float* g = &got[(size_t)t * d];
        if (mode == LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING && !touched) {
            ++res.untouched_rows;
            if (std::memcmp(g, &x[(size_t)t * d], d * sizeof(float)) != 0) {
                if (res.changed_untouched < 3) std::printf("  row %d should be bit-identical but changed\n", t);
                ++res.changed_untouched;
            }
            continue;
        }
        res.bad += check_close("residual", g, ref.data(), d, 1e-5, 1e-4, res.bad < 5 ? 5 : 0);
    }
    cudaFree(dx);
    cudaFree(di);
    cudaFree(dv);
    return res;
}

}  // namespace

int main() {
    skip_without_device();
    std::mt19937_64 rng(424242);
    int failed = 0;
    const int dtypes[] = {LLAMA_SAE_CUDA_DTYPE_F32, LLAMA_SAE_CUDA_DTYPE_BF16, LLAMA_SAE_CUDA_DTYPE_F16};
    const int dims[] = {2048, 1000};
    const int ks[] = {64, 1};
    for (int di = 0; di < 2; ++di)
        for (int dt : dtypes) {
            const int d = dims[di], F = 16384, k = ks[(di + dt) % 2], T = 96;
            HostSae s = make_sae(F, d, dt, rng);
            llama_sae_cuda_weights w = s.view();
            llama_sae_cuda_sae* sae = nullptr;
            llama_sae_cuda_edits* ed = nullptr;
            TEST_OK(llama_sae_cuda_sae_init(&w, &sae));
            TEST_OK(llama_sae_cuda_edits_init(sae, &ed));
            const int P = std::min(F, 4 * k);  // code pool: latents [0, P)
            // A: no-op scale (1.0), ablate, scale, swap (both ends in the pool), swap with a partner outside
            std::vector<llama_sae_cuda_edit> a = {{LLAMA_SAE_EDIT_SCALE, 3 % P, 0, 1.0f},
                                                  {LLAMA_SAE_EDIT_SCALE, 5 % P == 3 % P ? (6 % P) : 5 % P, 0, 0.0f},
                                                  {LLAMA_SAE_EDIT_SCALE, P + 10, 0, 2.5f},
                                                  {LLAMA_SAE_EDIT_SWAP, P + 11, P + 12, 0.0f},
                                                  {LLAMA_SAE_EDIT_SWAP, P + 13, F - 1, 0.0f}};
            if (P >= 8) {
                a.push_back({LLAMA_SAE_EDIT_SWAP, 7, 1, 0.0f});       // both ends can be active
                a.push_back({LLAMA_SAE_EDIT_SWAP, 6, P + 30, 0.0f});  // partner never active
            }
            // B: A + clamps (active and never active) + steers
            std::vector<llama_sae_cuda_edit> b = a;
            b.push_back({LLAMA_SAE_EDIT_CLAMP, P + 20, 0, 4.0f});
            b.push_back({LLAMA_SAE_EDIT_CLAMP, F - 2, 0, -1.5f});
            b.push_back({LLAMA_SAE_EDIT_STEER, 0, 0, 0.75f});
            b.push_back({LLAMA_SAE_EDIT_STEER, F - 3, 0, -2.0f});
            if (P >= 8) b.push_back({LLAMA_SAE_EDIT_CLAMP, 2, 0, 0.5f});
            struct Sub {
                const char* name;
                const std::vector<llama_sae_cuda_edit>* e;
                int mode;
                bool null_edits;
            } subs[] = {{"error-preserving, scale/ablate/swap", &a, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, false},
                        {"error-preserving, + clamp/steer", &b, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, false},
                        {"reconstruction, + clamp/steer", &b, LLAMA_SAE_EDIT_MODE_RECONSTRUCTION, false},
                        {"reconstruction, no edits (plain decode)", &a, LLAMA_SAE_EDIT_MODE_RECONSTRUCTION, true},
                        {"error-preserving, no edits", &a, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, true}};
            for (const Sub& sub : subs) {
                const Result r = run(s, sae, ed, *sub.e, sub.mode, T, k, rng, sub.null_edits);
                const bool ok = r.bad == 0 && r.changed_untouched == 0;
                std::printf("d=%d F=%d k=%d dtype=%d %-42s mismatches %ld, untouched rows %ld (changed %ld) %s\n", d, F, k,
                            dt, sub.name, r.bad, r.untouched_rows, r.changed_untouched, ok ? "ok" : "FAILED");
                failed += !ok;
            }
            // invalid tables are rejected and leave the table usable
            const llama_sae_cuda_edit dup[] = {{LLAMA_SAE_EDIT_SCALE, 1, 0, 2.0f}, {LLAMA_SAE_EDIT_CLAMP, 1, 0, 1.0f}};
            const llama_sae_cuda_edit oob[] = {{LLAMA_SAE_EDIT_SCALE, F, 0, 2.0f}};
            const llama_sae_cuda_edit badswap[] = {{LLAMA_SAE_EDIT_SWAP, 4, 4, 0.0f}};
            const llama_sae_cuda_edit nan[] = {{LLAMA_SAE_EDIT_SCALE, 4, 0, NAN}};
            bool rej = llama_sae_cuda_edits_set(ed, dup, 2, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT &&
                       llama_sae_cuda_edits_set(ed, oob, 1, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT &&
                       llama_sae_cuda_edits_set(ed, badswap, 1, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT &&
                       llama_sae_cuda_edits_set(ed, nan, 1, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT;
            if (!rej) std::printf("invalid edit tables were not all rejected: FAILED\n");
            failed += !rej;
            llama_sae_cuda_edits_free(ed);
            llama_sae_cuda_sae_free(sae);
        }
    if (failed) {
        std::printf("FAILED: %d check(s)\n", failed);
        return 1;
    }
    std::printf("all sparse-edit cases passed\n");
    return 0;
}
