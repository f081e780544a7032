// Test of llama_sae_cuda_encode (Top-K, modes topk-relu and topk-abs) against a double-precision
// CPU reference: indices must match EXACTLY (the contract's order and tie-break), values within
// |gpu - ref| <= 1e-6 + 1e-5 |ref|. Outputs are poisoned (0xFF) before every run.
//
// Build & run: cmake -S cuda -B build/cuda -G Ninja && cmake --build build/cuda && build/cuda/test_cuda_topk_encode
// Without a CUDA device it prints "skipped: no CUDA device" (exit 77 = CTest skip).
#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <thread>

#include "test_util.h"

namespace {

struct Case {
    int d, F, k, T, mode, dtype, path, dup_pairs;
    const char* note;
};

// Reference pre-activations of one row in double, computed on all cores.
std::vector<double> ref_pre(const HostSae& s, const float* x) {
    std::vector<double> pre(s.F);
    const int nth = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> th;
    for (int w = 0; w < nth; ++w)
        th.emplace_back([&, w] {
            for (int f = w; f < s.F; f += nth) {
                const float* wr = &s.w_enc[(size_t)f * s.d];
                double acc = 0.0;
                for (int i = 0; i < s.d; ++i) acc += (double)wr[i] * (double)x[i];
                pre[f] = (double)s.b_enc[f] + acc;
            }
        });
    for (auto& t : th) t.join();
    return pre;
}

// Contract: k largest keys (pre or |pre|), ties -> lower index first.
void ref_topk(const std::vector<double>& pre, int k, int mode, std::vector<int>& idx, std::vector<double>& val) {
    const int F = (int)pre.size();
    std::vector<int> order(F);
    std::iota(order.begin(), order.end(), 0);
    auto key = [&](int f) { return mode == LLAMA_SAE_ACT_TOPK_ABS ? std::fabs(pre[f]) : pre[f]; };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
        const double ka = key(a), kb = key(b);
        return ka > kb || (ka == kb && a < b);
    });
    idx.assign(order.begin(), order.begin() + k);
    val.resize(k);
    for (int j = 0; j < k; ++j) {
        const double p = pre[idx[j]];
        val[j] = mode == LLAMA_SAE_ACT_TOPK_ABS ? p : std::max(p, 0.0);
    }
}

bool run_case(const Case& c, std::mt19937_64& rng) {
    const char* mode_name = c.mode == LLAMA_SAE_ACT_TOPK_ABS ? "topk-abs" : "topk-relu";
    const char* dt_name[] = {"f32", "f16", "bf16"};
    const char* path_name[] = {"auto", "gemv", "tensor-core", "cublas"};
    std::printf("case d=%d F=%d k=%d T=%d %s %s path=%s%s%s\n", c.d, c.F, c.k, c.T, mode_name, dt_name[c.dtype],
                path_name[c.path], c.note[0] ? " -- " : "", c.note);
    HostSae s = make_sae(c.F, c.d, c.dtype, rng, c.dup_pairs, false);
    std::vector<float> x((size_t)c.T * c.d);
    std::normal_distribution<float> nx(0.0f, 1.0f);
    for (auto& v : x) v = nx(rng);

    llama_sae_cuda_weights w = s.view();
    llama_sae_cuda_sae* sae = nullptr;
    TEST_OK(llama_sae_cuda_sae_init(&w, &sae));
    if (c.path == LLAMA_SAE_CUDA_PATH_CUBLAS && !llama_sae_cuda_cublas_available()) {
        // Absent cuBLAS is the fallback case, not an error -- unless the run says it must be there.
        const bool required = std::getenv("LLAMA_SAE_REQUIRE_CUBLAS") != nullptr;
        std::printf("  %s: %s\n", required ? "FAIL (LLAMA_SAE_REQUIRE_CUBLAS set)" : "skipped", llama_sae_cuda_last_error());
        TEST_CUDA(cudaDeviceSynchronize());
        llama_sae_cuda_sae_free(sae);
        return !required;
    }
    TEST_OK(llama_sae_cuda_sae_set_path(sae, c.path));
    float* dx = device_alloc<float>(x.size());
    int32_t* didx = device_alloc<int32_t>((size_t)c.T * c.k);
    float* dval = device_alloc<float>((size_t)c.T * c.k);
    to_device(dx, x);
    poison(didx, (size_t)c.T * c.k * sizeof(int32_t));
    poison(dval, (size_t)c.T * c.k * sizeof(float));
    TEST_OK(llama_sae_cuda_encode(sae, dx, c.T, c.k, c.mode, didx, dval, nullptr));
    TEST_CUDA(cudaDeviceSynchronize());
    const std::vector<int32_t> gidx = to_host(didx, (size_t)c.T * c.k);
    const std::vector<float> gval = to_host(dval, (size_t)c.T * c.k);

    // Check a sample of rows (first, last, spread), bounded so the CPU reference stays short.
    const double per_row = (double)c.F * c.d;
    const int n_check = (int)std::min<double>(c.T, std::max(2.0, 1.5e9 / per_row));
    std::vector<int> rows;
    for (int i = 0; i < n_check; ++i) rows.push_back(n_check == 1 ? 0 : (int)((int64_t)i * (c.T - 1) / (n_check - 1)));
    long bad_idx = 0, bad_val = 0;
    for (int t : rows) {
        std::vector<int> ridx;
        std::vector<double> rval;
        ref_topk(ref_pre(s, &x[(size_t)t * c.d]), c.k, c.mode, ridx, rval);
        for (int j = 0; j < c.k; ++j) {
            if (gidx[(size_t)t * c.k + j] != ridx[j]) {
                if (bad_idx < 5)
                    std::printf("  row %d slot %d: gpu idx %d ref idx %d (ref val %.9g)\n", t, j, gidx[(size_t)t * c.k + j],
                                ridx[j], rval[j]);
                ++bad_idx;
            }
        }
        bad_val += check_close("value", &gval[(size_t)t * c.k], rval.data(), c.k, 1e-6, 1e-5);
    }
    // Every row (also unchecked ones) must be fully written: valid, distinct-looking output.
    long unwritten = 0;
    for (size_t i = 0; i < gidx.size(); ++i) unwritten += (gidx[i] < 0 || gidx[i] >= c.F || gval[i] != gval[i]);
    std::printf("  checked %zu rows: %ld index mismatches, %ld value mismatches, %ld unwritten slots\n", rows.size(),
                bad_idx, bad_val, unwritten);
    cudaFree(dx);
    cudaFree(didx);
    cudaFree(dval);
    llama_sae_cuda_sae_free(sae);
    return bad_idx == 0 && bad_val == 0 && unwritten == 0;
}

bool check_errors() {
    std::mt19937_64 rng(7);
    HostSae s = make_sae(64, 32, LLAMA_SAE_CUDA_DTYPE_F32, rng);
    llama_sae_cuda_weights w = s.view();
    llama_sae_cuda_sae* sae = nullptr;
    TEST_OK(llama_sae_cuda_sae_init(&w, &sae));
    float* dx = device_alloc<float>(32);
    int32_t* di = device_alloc<int32_t>(64);
    float* dv = device_alloc<float>(64);
    bool ok = true;
    ok &= llama_sae_cuda_encode(sae, dx, 1, 0, 0, di, dv, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT;
    ok &= llama_sae_cuda_encode(sae, dx, 1, 65, 0, di, dv, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT;
    ok &= llama_sae_cuda_encode(sae, dx, 1, 4, 2, di, dv, nullptr) == LLAMA_SAE_CUDA_ERR_UNSUPPORTED;
    ok &= llama_sae_cuda_encode(sae, nullptr, 1, 4, 0, di, dv, nullptr) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT;
    ok &= llama_sae_cuda_encode(sae, dx, 0, 4, 0, di, dv, nullptr) == LLAMA_SAE_CUDA_OK;
    ok &= std::strlen(llama_sae_cuda_last_error()) > 0;
    w.dtype = 5;
    llama_sae_cuda_sae* bad = nullptr;
    ok &= llama_sae_cuda_sae_init(&w, &bad) == LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT && bad == nullptr;
    std::printf("error codes: %s\n", ok ? "ok" : "WRONG");
    cudaFree(dx);
    cudaFree(di);
    cudaFree(dv);
    llama_sae_cuda_sae_free(sae);
    return ok;
}

}  // namespace

int main() {
    skip_without_device();
    const int RELU = LLAMA_SAE_ACT_TOPK_RELU, ABS = LLAMA_SAE_ACT_TOPK_ABS;
    const int F32 = LLAMA_SAE_CUDA_DTYPE_F32, F16 = LLAMA_SAE_CUDA_DTYPE_F16, BF16 = LLAMA_SAE_CUDA_DTYPE_BF16;
    const int AUTO = LLAMA_SAE_CUDA_PATH_AUTO, GEMV = LLAMA_SAE_CUDA_PATH_GEMV, TC = LLAMA_SAE_CUDA_PATH_TENSOR_CORE;
    const int CUBLAS = LLAMA_SAE_CUDA_PATH_CUBLAS;
    // A sampled subset of d=2048, F in {512, 16384, 65536}, K in {32, 64, 100}, T in {1, 8, 512, 4096},
    // plus odd d, K=1, k=F, ties (duplicate latent rows) and both paths on the same shapes.
    const Case cases[] = {
        {2048, 16384, 64, 1, RELU, BF16, AUTO, 0, "generation, one token"},
        {2048, 16384, 32, 8, ABS, F32, AUTO, 0, ""},
        {2048, 65536, 100, 4, RELU, BF16, GEMV, 0, "F = 65536 on the GEMV path"},
        {2048, 65536, 64, 16, ABS, BF16, TC, 0, "tensor-core path at T = 16"},
        {2048, 65536, 64, 512, RELU, BF16, AUTO, 0, "prefill"},
        {2048, 16384, 100, 4096, ABS, F16, AUTO, 0, "T = 4096, f16 storage"},
        {2048, 512, 32, 512, RELU, F32, TC, 0, "F = 512"},
        {2048, 512, 100, 8, ABS, F16, GEMV, 0, "F = 512, GEMV"},
        {1000, 512, 1, 8, RELU, F32, GEMV, 0, "d not a multiple of 8, K = 1"},
        {1000, 3000, 64, 40, ABS, BF16, TC, 0, "odd d and F"},
        {1000, 3000, 1, 40, RELU, F16, TC, 0, "K = 1 on tensor cores"},
        {100, 64, 64, 3, RELU, F32, AUTO, 0, "k = F"},
        {256, 4196, 64, 16, RELU, F32, GEMV, 400, "ties: duplicate latent rows, GEMV"},
        {256, 4196, 64, 16, ABS, F32, TC, 400, "ties: duplicate latent rows, tensor cores"},
        {2048, 16384, 64, 33, RELU, BF16, GEMV, 0, "GEMV with several token groups"},
        // cuBLAS path (skipped where libcublas does not load): chunks of 512 tokens x L2/2 of P,
        // bias + key applied in the selection pass.
        {2048, 65536, 64, 1300, RELU, BF16, CUBLAS, 0, "cuBLAS: several token and latent chunks, partial last ones"},
        {2048, 16384, 128, 512, ABS, F16, CUBLAS, 0, "cuBLAS: topk-abs, k = 128"},
        {2048, 131072, 32, 16, RELU, BF16, CUBLAS, 0, "cuBLAS: F = 131072, T = 16"},
        {2048, 16384, 64, 1, ABS, F32, CUBLAS, 0, "cuBLAS forced at T = 1"},
        {1000, 3000, 64, 40, ABS, BF16, CUBLAS, 0, "cuBLAS: odd d and F"},
        {100, 64, 64, 3, RELU, F32, CUBLAS, 0, "cuBLAS: k = F"},
        {256, 4196, 64, 16, ABS, F32, CUBLAS, 400, "ties: duplicate latent rows, cuBLAS"},
    };
    std::mt19937_64 rng(20261124);
    int failed = 0;
    for (const Case& c : cases) failed += !run_case(c, rng);
    failed += !check_errors();
    if (failed) {
        std::printf("FAILED: %d case(s)\n", failed);
        return 1;
    }
    std::printf("all encode cases passed\n");
    return 0;
}
