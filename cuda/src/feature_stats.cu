// Per-feature activation statistics on the device (count, sum |a|, sum a, max |a|) with
// atomics, fetched and merged into host arrays. "Active" = idx >= 0 and val != 0 (contracts).
#include <algorithm>
#include <cstring>
#include <vector>

#include "sae_internal.cuh"

namespace lsc {
namespace {

__global__ void stats_accumulate_kernel(const int32_t* __restrict__ idx, const float* __restrict__ val, int64_t n,
                                        int F, unsigned long long* count, double* sum_abs, double* sum,
                                        unsigned int* max_abs) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const int f = idx[i];
        const float v = val[i];
        if (f < 0 || f >= F || v == 0.0f) continue;
        const float a = fabsf(v);
        atomicAdd(&count[f], 1ull);
        atomicAdd(&sum_abs[f], (double)a);
        atomicAdd(&sum[f], (double)v);
        atomicMax(&max_abs[f], __float_as_uint(a));  // non-negative floats order like their bits
    }
}

__global__ void add_rows_kernel(unsigned long long* rows, unsigned long long n) { *rows += n; }

}  // namespace
}  // namespace lsc

using namespace lsc;

extern "C" void llama_sae_cuda_stats_free(llama_sae_cuda_stats* s) {
    if (!s) return;
    cudaDeviceSynchronize();
    cudaFree(s->count);
    cudaFree(s->sum_abs);
    cudaFree(s->sum);
    cudaFree(s->max_abs);
    cudaFree(s->rows);
    delete s;
}

static int32_t stats_zero(llama_sae_cuda_stats* s, cudaStream_t st) {
    const size_t F = (size_t)s->F;
    LSC_CHECK(cudaMemsetAsync(s->count, 0, F * sizeof(unsigned long long), st));
    LSC_CHECK(cudaMemsetAsync(s->sum_abs, 0, F * sizeof(double), st));
    LSC_CHECK(cudaMemsetAsync(s->sum, 0, F * sizeof(double), st));
    LSC_CHECK(cudaMemsetAsync(s->max_abs, 0, F * sizeof(unsigned int), st));
    LSC_CHECK(cudaMemsetAsync(s->rows, 0, sizeof(unsigned long long), st));
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_stats_init(int32_t n_features, llama_sae_cuda_stats** out) {
    if (!out) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (n_features < 1)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_features >= 1 but found %d", n_features);
    if (llama_sae_cuda_device_count() == 0) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_NO_DEVICE, "no CUDA device or driver");
    auto* s = new (std::nothrow) llama_sae_cuda_stats();
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_OUT_OF_MEMORY, "host allocation failed");
    s->F = n_features;
    auto init = [&]() -> int32_t {
        const size_t F = (size_t)n_features;
        LSC_CHECK(cudaMalloc((void**)&s->count, F * sizeof(unsigned long long)));
        LSC_CHECK(cudaMalloc((void**)&s->sum_abs, F * sizeof(double)));
        LSC_CHECK(cudaMalloc((void**)&s->sum, F * sizeof(double)));
        LSC_CHECK(cudaMalloc((void**)&s->max_abs, F * sizeof(unsigned int)));
        LSC_CHECK(cudaMalloc((void**)&s->rows, sizeof(unsigned long long)));
        int32_t r = stats_zero(s, nullptr);
        if (r != LLAMA_SAE_CUDA_OK) return r;
        LSC_CHECK(cudaDeviceSynchronize());
        return LLAMA_SAE_CUDA_OK;
    };
    const int32_t r = init();
    if (r != LLAMA_SAE_CUDA_OK) {
        llama_sae_cuda_stats_free(s);
        return r;
    }
    *out = s;
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_stats_accumulate(llama_sae_cuda_stats* s, const int32_t* idx, const float* val,
                                                   int32_t n_rows, int32_t k, void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (n_rows < 0 || k < 1)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_rows >= 0 and k >= 1 but found %d, %d", n_rows, k);
    if (n_rows == 0) return LLAMA_SAE_CUDA_OK;
    if (!idx || !val) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "idx and val must be non-NULL");
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const int64_t n = (int64_t)n_rows * k;
    const int grid = (int)std::min<int64_t>((n + 255) / 256, 4096);
    stats_accumulate_kernel<<<grid, 256, 0, st>>>(idx, val, n, s->F, s->count, s->sum_abs, s->sum, s->max_abs);
    LSC_CHECK_LAUNCH();
    add_rows_kernel<<<1, 1, 0, st>>>(s->rows, (unsigned long long)n_rows);
    LSC_CHECK_LAUNCH();
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_stats_fetch_merge(llama_sae_cuda_stats* s, int64_t* count, double* sum_abs,
                                                    double* sum, float* max_abs, int64_t* n_rows, int32_t reset,
                                                    void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats is NULL");
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const size_t F = (size_t)s->F;
    std::vector<unsigned long long> c(F);
    std::vector<double> sa(F), su(F);
    std::vector<unsigned int> mx(F);
    unsigned long long rows = 0;
    LSC_CHECK(cudaMemcpyAsync(c.data(), s->count, F * sizeof(unsigned long long), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(sa.data(), s->sum_abs, F * sizeof(double), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(su.data(), s->sum, F * sizeof(double), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(mx.data(), s->max_abs, F * sizeof(unsigned int), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(&rows, s->rows, sizeof rows, cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaStreamSynchronize(st));
    if (reset) {
        int32_t r = stats_zero(s, st);
        if (r != LLAMA_SAE_CUDA_OK) return r;
    }
    for (size_t f = 0; f < F; ++f) {
        if (count) count[f] += (int64_t)c[f];
        if (sum_abs) sum_abs[f] += sa[f];
        if (sum) sum[f] += su[f];
        if (max_abs) {
            float m;
            std::memcpy(&m, &mx[f], sizeof m);
            if (m > max_abs[f]) max_abs[f] = m;
        }
    }
    if (n_rows) *n_rows += (int64_t)rows;
    return LLAMA_SAE_CUDA_OK;
}
