// Benchmark of llama_sae_cuda_apply_edits_and_update (d = 2048, F = 65536, bf16 W_dec).
// Bytes counted: residual read + written (T*d*8) + the gathered W_dec rows (T*slots*d*2; the
// rows hit in L2 when latents recur, so GB/s above HBM is possible). Run: build/cuda/bench_cuda_sparse_edit
#include "bench_util.cuh"

int main() {
    skip_without_device();
    const double hbm = measure_hbm_gbs();
    std::printf("HBM copy bandwidth (read+write): %.0f GB/s\n", hbm);
    const int d = 2048, F = 65536;
    std::vector<uint16_t> w16((size_t)F * d);
    uint64_t s = 12345;
    for (auto& h : w16) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        h = f32_to_bf16(0.04f * ((float)(s >> 40) / (float)(1ull << 24) - 0.5f));
    }
    std::vector<float> b(F, 0.01f), bd(d, 0.02f);
    llama_sae_cuda_weights wt{};
    wt.n_features = F; wt.d_model = d; wt.dtype = LLAMA_SAE_CUDA_DTYPE_BF16;
    wt.w_enc = wt.w_dec = w16.data(); wt.b_enc = b.data(); wt.b_dec = bd.data();
    llama_sae_cuda_sae* sae = nullptr;
    TEST_OK(llama_sae_cuda_sae_init(&wt, &sae));
    llama_sae_cuda_edits* ed = nullptr;
    TEST_OK(llama_sae_cuda_edits_init(sae, &ed));
    const llama_sae_cuda_edit edits[] = {{LLAMA_SAE_EDIT_SCALE, 11, 0, 0.0f}, {LLAMA_SAE_EDIT_SCALE, 12, 0, 2.0f},
                                         {LLAMA_SAE_EDIT_CLAMP, 13, 0, 3.0f}, {LLAMA_SAE_EDIT_SWAP, 14, 15, 0.0f},
                                         {LLAMA_SAE_EDIT_STEER, 16, 0, 0.5f}};
    TEST_OK(llama_sae_cuda_edits_set(ed, edits, 5, nullptr));
    std::printf("\n%5s %4s %-16s | %9s %9s | %8s\n", "T", "k", "mode", "us", "p10", "GB/s");
    const int Ts[] = {1, 16, 512, 4096};
    for (int T : Ts)
        for (int mode = 0; mode < 2; ++mode) {
            const int k = 64;
            std::vector<int32_t> idx((size_t)T * k);
            std::vector<float> val((size_t)T * k);
            for (size_t i = 0; i < idx.size(); ++i) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                idx[i] = (int32_t)((i % k) * (F / k) + (s % (F / k)));  // distinct per row
                val[i] = 0.5f + (float)(s % 1000) * 1e-3f;
            }
            std::vector<float> x((size_t)T * d, 0.25f);
            float* dx = device_alloc<float>(x.size());
            int32_t* di = device_alloc<int32_t>(idx.size());
            float* dv = device_alloc<float>(val.size());
            to_device(dx, x); to_device(di, idx); to_device(dv, val);
            const Timing t = time_op([&] { TEST_OK(llama_sae_cuda_apply_edits_and_update(sae, dx, T, k, di, dv, ed, mode, nullptr)); });
            // error-preserving touches only edited latents (+ clamp + steer); reconstruction all k
            const double slots = mode == 0 ? 3.0 : k + 3.0;
            const double bytes = (double)T * d * 8 + (double)T * slots * d * 2;
            std::printf("%5d %4d %-16s | %9.1f %9.1f | %8.0f\n", T, k, mode == 0 ? "error-preserving" : "reconstruction",
                        t.median_ms * 1e3, t.p10_ms * 1e3, bytes / (t.median_ms * 1e-3) / 1e9);
            cudaFree(dx); cudaFree(di); cudaFree(dv);
        }
    llama_sae_cuda_edits_free(ed);
    llama_sae_cuda_sae_free(sae);
    return 0;
}
