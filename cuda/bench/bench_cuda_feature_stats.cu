// Benchmark of llama_sae_cuda_stats_accumulate (F = 65536, k = 64): codes read once (T*k*8 bytes).
// Run: build/cuda/bench_cuda_feature_stats
#include "bench_util.cuh"

int main() {
    skip_without_device();
    const double hbm = measure_hbm_gbs();
    std::printf("HBM copy bandwidth (read+write): %.0f GB/s\n", hbm);
    const int F = 65536, k = 64;
    llama_sae_cuda_stats* st = nullptr;
    TEST_OK(llama_sae_cuda_stats_init(F, &st));
    std::printf("\n%6s %4s | %9s %9s | %8s\n", "T", "k", "us", "p10", "GB/s");
    const int Ts[] = {1, 512, 4096, 65536};
    uint64_t s = 777;
    for (int T : Ts) {
        std::vector<int32_t> idx((size_t)T * k);
        std::vector<float> val((size_t)T * k);
        for (size_t i = 0; i < idx.size(); ++i) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            idx[i] = (int32_t)(s % F);
            val[i] = (float)(s % 997) * 1e-2f;
        }
        int32_t* di = device_alloc<int32_t>(idx.size());
        float* dv = device_alloc<float>(val.size());
        to_device(di, idx); to_device(dv, val);
        const Timing t = time_op([&] { TEST_OK(llama_sae_cuda_stats_accumulate(st, di, dv, nullptr, T, k, nullptr)); });
        const double bytes = (double)T * k * 8;
        std::printf("%6d %4d | %9.1f %9.1f | %8.0f\n", T, k, t.median_ms * 1e3, t.p10_ms * 1e3, bytes / (t.median_ms * 1e-3) / 1e9);
        cudaFree(di); cudaFree(dv);
    }
    llama_sae_cuda_stats_free(st);
    return 0;
}
