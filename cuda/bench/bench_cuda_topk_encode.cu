// Benchmark of llama_sae_cuda_encode (Top-K, d = 2048) against the floors implied by the
// measured ceilings: HBM bandwidth (copy kernel, this run) and the bf16 tensor-core peak
// (--peak-tflops, from torch_topk_baseline.py's 8192^3 bf16 matmul in the same run).
//
//   floor = max(min_bytes / HBM, 2*T*d*F / peak_bf16); min_bytes = W_enc (storage dtype... the
//   bf16 scoring copy is what is streamed) + x + outputs. "eff" = floor / measured.
// Run: build/cuda/bench_cuda_topk_encode --peak-tflops 780 [--reps 30] [--only-F 65536 --only-T 512]
// Every measured shape also prints one "RESULT encode ..." line (key=value) for bench/tools/gpu_results.py.
#include <cstdint>
#include <string>
#include <vector>

#include "../src/sae_internal.cuh"
#include "bench_util.cuh"

namespace {

struct Shape {
    int F, T, k, mode, dtype, path;
};

// Fast deterministic weights (the RNG of the tests is too slow for 134M values).
void fill_uniform(std::vector<float>& v, float scale, uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (auto& x : v) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x = scale * ((float)(s >> 40) / (float)(1ull << 24) * 2.0f - 1.0f);
    }
}

}  // namespace

int main(int argc, char** argv) {
    skip_without_device();
    const double peak_tflops = arg_double(argc, argv, "--peak-tflops", 0.0);
    const int reps = (int)arg_double(argc, argv, "--reps", 30);
    const double hbm = measure_hbm_gbs();
    std::printf("HBM copy bandwidth (read+write): %.0f GB/s\n", hbm);
    std::printf("bf16 tensor-core peak (torch matmul, --peak-tflops): %s\n",
                peak_tflops > 0 ? std::to_string(peak_tflops).c_str() : "not given (compute floors omitted)");
    std::printf("cuBLAS path: %s\n", llama_sae_cuda_cublas_available() ? "available" : llama_sae_cuda_last_error());
    const int d = 2048;
    const int RELU = LLAMA_SAE_ACT_TOPK_RELU, ABS = LLAMA_SAE_ACT_TOPK_ABS;
    const int BF16 = LLAMA_SAE_CUDA_DTYPE_BF16, F32 = LLAMA_SAE_CUDA_DTYPE_F32;
    const int AUTO = LLAMA_SAE_CUDA_PATH_AUTO, GEMV = LLAMA_SAE_CUDA_PATH_GEMV, TC = LLAMA_SAE_CUDA_PATH_TENSOR_CORE;
    const int CUBLAS = LLAMA_SAE_CUDA_PATH_CUBLAS;
    // Issue 13's grid (AUTO path): F x k x T, topk-relu, bf16 weights; then, at k = 64, every path
    // forced where it competes (GEMV vs cuBLAS at few tokens, WMMA vs cuBLAS at many), topk-abs and
    // f32 storage at one prefill shape. Shapes are grouped by F (one upload per F and dtype).
    std::vector<Shape> shapes;
    for (int F : {16384, 65536, 131072}) {
        for (int k : {32, 64, 128})
            for (int T : {1, 16, 512, 4096}) shapes.push_back({F, T, k, RELU, BF16, AUTO});
        for (int T : {1, 16}) {
            shapes.push_back({F, T, 64, RELU, BF16, GEMV});
            shapes.push_back({F, T, 64, RELU, BF16, CUBLAS});
        }
        for (int T : {16, 512, 4096}) shapes.push_back({F, T, 64, RELU, BF16, TC});
        for (int T : {512, 4096}) shapes.push_back({F, T, 64, RELU, BF16, CUBLAS});
        if (F == 65536) shapes.push_back({F, 512, 64, ABS, BF16, AUTO});
    }
    shapes.push_back({65536, 512, 64, RELU, F32, AUTO});
    shapes.push_back({65536, 1, 64, RELU, F32, AUTO});
    const char* path_name[] = {"auto", "gemv", "tc", "cublas"};
    std::printf("\n%6s %5s %4s %4s %4s %6s | %9s %9s %9s | %8s %7s | %8s %8s %6s\n", "F", "T", "k", "mode", "dt", "path",
                "enc_us", "p10", "score_us", "GB/s", "TFLOP/s", "memfl_us", "cmpfl_us", "eff%");
    int cur_F = 0, cur_dt = -1;
    std::vector<float> w, b, bd;
    std::vector<uint16_t> w16;
    llama_sae_cuda_sae* sae = nullptr;
    const int only_F = (int)arg_double(argc, argv, "--only-F", 0), only_T = (int)arg_double(argc, argv, "--only-T", 0);
    for (const Shape& sh : shapes) {
        if ((only_F && sh.F != only_F) || (only_T && sh.T != only_T)) continue;  // e.g. to profile one shape
        if (sh.F != cur_F || sh.dtype != cur_dt) {
            llama_sae_cuda_sae_free(sae);
            sae = nullptr;
            w.assign((size_t)sh.F * d, 0.0f);
            fill_uniform(w, 0.038f, sh.F);
            b.assign(sh.F, 0.0f);
            fill_uniform(b, 0.1f, 3);
            bd.assign(d, 0.0f);
            llama_sae_cuda_weights wt{};
            wt.n_features = sh.F;
            wt.d_model = d;
            wt.dtype = sh.dtype;
            if (sh.dtype == BF16) {
                w16.resize(w.size());
                for (size_t i = 0; i < w.size(); ++i) w16[i] = f32_to_bf16(w[i]);
                wt.w_enc = wt.w_dec = w16.data();
            } else {
                wt.w_enc = wt.w_dec = w.data();
            }
            wt.b_enc = b.data();
            wt.b_dec = bd.data();
            TEST_OK(llama_sae_cuda_sae_init(&wt, &sae));
            cur_F = sh.F;
            cur_dt = sh.dtype;
        }
        if (llama_sae_cuda_sae_set_path(sae, sh.path) != LLAMA_SAE_CUDA_OK) {
            std::printf("%6d %5d %4d path %s skipped: %s\n", sh.F, sh.T, sh.k, path_name[sh.path], llama_sae_cuda_last_error());
            continue;
        }
        TEST_OK(llama_sae_cuda_sae_reserve(sae, sh.T, sh.k));
        std::vector<float> x((size_t)sh.T * d);
        fill_uniform(x, 1.7f, 1000 + sh.T);
        float* dx = device_alloc<float>(x.size());
        int32_t* di = device_alloc<int32_t>((size_t)sh.T * sh.k);
        float* dv = device_alloc<float>((size_t)sh.T * sh.k);
        to_device(dx, x);
        const Timing te = time_op([&] { TEST_OK(llama_sae_cuda_encode(sae, dx, sh.T, sh.k, sh.mode, di, dv, nullptr)); }, reps);
        const Timing ts = time_op([&] {
            TEST_OK(lsc::encode_impl(sae, dx, sh.T, sh.k, sh.mode, di, dv, nullptr, lsc::EncodeStages::score_only));
        }, reps);
        // bytes: the bf16 scoring weights streamed once + x + codes out (the exact re-score's
        // gathers of k+margin stored-dtype rows per token come on top and are not in the floor)
        const double bytes = (double)sh.F * d * 2 + (double)sh.T * d * 4 + (double)sh.T * sh.k * 8;
        const double flops = 2.0 * sh.T * d * (double)sh.F;
        const double mem_floor_us = bytes / (hbm * 1e9) * 1e6;
        const double cmp_floor_us = peak_tflops > 0 ? flops / (peak_tflops * 1e12) * 1e6 : 0.0;
        const double floor_us = std::max(mem_floor_us, cmp_floor_us);
        const double us = te.median_ms * 1e3;
        std::printf("%6d %5d %4d %4s %4s %6s | %9.1f %9.1f %9.1f | %8.0f %7.1f | %8.1f %8.1f %6.1f\n", sh.F, sh.T, sh.k,
                    sh.mode == ABS ? "abs" : "relu", sh.dtype == BF16 ? "bf16" : "f32", path_name[sh.path], us,
                    te.p10_ms * 1e3, ts.median_ms * 1e3, bytes / (us * 1e-6) / 1e9, flops / (us * 1e-6) / 1e12, mem_floor_us,
                    cmp_floor_us, 100.0 * floor_us / us);
        // machine-readable copy for bench/tools/gpu_results.py
        std::printf("RESULT encode F=%d T=%d k=%d mode=%s dtype=%s path=%s enc_us=%.2f p10_us=%.2f p90_us=%.2f score_us=%.2f "
                    "mem_floor_us=%.2f cmp_floor_us=%.2f hbm_gbs=%.0f peak_tflops=%.1f\n",
                    sh.F, sh.T, sh.k, sh.mode == ABS ? "abs" : "relu", sh.dtype == BF16 ? "bf16" : "f32", path_name[sh.path],
                    us, te.p10_ms * 1e3, te.p90_ms * 1e3, ts.median_ms * 1e3, mem_floor_us, cmp_floor_us, hbm, peak_tflops);
        std::fflush(stdout);
        cudaFree(dx);
        cudaFree(di);
        cudaFree(dv);
    }
    llama_sae_cuda_sae_free(sae);
    std::printf("\neff%% = max(memory floor, compute floor) / measured median; score_us = scoring pass alone "
                "(GEMV, WMMA GEMM writing keys, or the cuBLAS GEMM writing dot products), enc_us = full exact encode.\n");
    return 0;
}
