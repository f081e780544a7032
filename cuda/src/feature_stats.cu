// Per-feature activation statistics on the device (count, sum |a|, sum a, max |a|) with atomics,
// fetched and merged into host arrays. "Active" = idx >= 0 and val != 0 (contracts). The sums are
// the engine's exact fixed point (native/src/kernels/exact_sum.h, the same header the host uses):
// every value is rounded once to a multiple of 2^-40 and added into a 128-bit integer as a pair of
// 64-bit words, the low word with an atomic add whose wrap-around carries into the high word.
// Integer addition is associative, so the totals are bit-identical to the host's whatever order
// the atomics run in, and merge exactly with statistics from other devices or processes.
#include <algorithm>
#include <cstring>
#include <vector>

#include "exact_sum.h"
#include "sae_internal.cuh"

namespace lsc {
namespace {

// acc (hi, lo) += x with two 64-bit atomics: the carry out of the low word is known from its old value.
__device__ __forceinline__ void atomic_add_fixed(unsigned long long* acc, llama_sae::Fixed128 x) {
    const unsigned long long old = atomicAdd(&acc[1], (unsigned long long)x.lo);
    const unsigned long long carry = old + (unsigned long long)x.lo < old ? 1ull : 0ull;
    const unsigned long long hi = (unsigned long long)x.hi + carry;
    if (hi != 0ull) atomicAdd(&acc[0], hi);
}

// rows: optional [n_rows] list of row indices into idx/val (NULL: rows 0 .. n_rows-1).
__global__ void stats_accumulate_kernel(const int32_t* __restrict__ idx, const float* __restrict__ val,
                                        const int32_t* __restrict__ rows, int64_t n_rows, int k, int F,
                                        unsigned long long* count, unsigned long long* sum_abs, unsigned long long* sum,
                                        unsigned int* max_abs) {
    const int64_t n = n_rows * k;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = rows ? (int64_t)rows[i / k] : i / k;
        const int64_t e = r * k + i % k;
        const int f = idx[e];
        const float v = val[e];
        if (f < 0 || f >= F || v == 0.0f) continue;
        const float a = fabsf(v);
        atomicAdd(&count[f], 1ull);
        atomic_add_fixed(&sum_abs[2 * (size_t)f], llama_sae::to_fixed((double)a));
        atomic_add_fixed(&sum[2 * (size_t)f], llama_sae::to_fixed((double)v));
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

extern "C" int32_t llama_sae_cuda_stats_reset(llama_sae_cuda_stats* s, void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats is NULL");
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const size_t F = (size_t)s->F;
    LSC_CHECK(cudaMemsetAsync(s->count, 0, F * sizeof(unsigned long long), st));
    LSC_CHECK(cudaMemsetAsync(s->sum_abs, 0, 2 * F * sizeof(unsigned long long), st));
    LSC_CHECK(cudaMemsetAsync(s->sum, 0, 2 * F * sizeof(unsigned long long), st));
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
        LSC_CHECK(cudaMalloc((void**)&s->sum_abs, 2 * F * sizeof(unsigned long long)));
        LSC_CHECK(cudaMalloc((void**)&s->sum, 2 * F * sizeof(unsigned long long)));
        LSC_CHECK(cudaMalloc((void**)&s->max_abs, F * sizeof(unsigned int)));
        LSC_CHECK(cudaMalloc((void**)&s->rows, sizeof(unsigned long long)));
        int32_t r = llama_sae_cuda_stats_reset(s, nullptr);
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
                                                   const int32_t* rows_dev, int32_t n_rows, int32_t k, void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (n_rows < 0 || k < 1)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_rows >= 0 and k >= 1 but found %d, %d", n_rows, k);
    if (n_rows == 0) return LLAMA_SAE_CUDA_OK;
    if (!idx || !val) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "idx and val must be non-NULL");
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const int64_t n = (int64_t)n_rows * k;
    const int grid = (int)std::min<int64_t>((n + 255) / 256, 4096);
    stats_accumulate_kernel<<<grid, 256, 0, st>>>(idx, val, rows_dev, n_rows, k, s->F, s->count, s->sum_abs, s->sum,
                                                  s->max_abs);
    LSC_CHECK_LAUNCH();
    add_rows_kernel<<<1, 1, 0, st>>>(s->rows, (unsigned long long)n_rows);
    LSC_CHECK_LAUNCH();
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_stats_fetch_merge(llama_sae_cuda_stats* s, int64_t* count, int64_t* sum_abs,
                                                    int64_t* sum, float* max_abs, int64_t* n_rows, int32_t reset,
                                                    void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats is NULL");
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const size_t F = (size_t)s->F;
    std::vector<unsigned long long> c(F), sa(2 * F), su(2 * F);
    std::vector<unsigned int> mx(F);
    unsigned long long rows = 0;
    LSC_CHECK(cudaMemcpyAsync(c.data(), s->count, F * sizeof(unsigned long long), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(sa.data(), s->sum_abs, 2 * F * sizeof(unsigned long long), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(su.data(), s->sum, 2 * F * sizeof(unsigned long long), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(mx.data(), s->max_abs, F * sizeof(unsigned int), cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaMemcpyAsync(&rows, s->rows, sizeof rows, cudaMemcpyDeviceToHost, st));
    LSC_CHECK(cudaStreamSynchronize(st));
    if (reset) {
        int32_t r = llama_sae_cuda_stats_reset(s, st);
        if (r != LLAMA_SAE_CUDA_OK) return r;
    }
    for (size_t f = 0; f < F; ++f) {
        if (count) count[f] += (int64_t)c[f];
        if (sum_abs) llama_sae::add_fixed(&sum_abs[2 * f], llama_sae::Fixed128{(int64_t)sa[2 * f], sa[2 * f + 1]});
        if (sum) llama_sae::add_fixed(&sum[2 * f], llama_sae::Fixed128{(int64_t)su[2 * f], su[2 * f + 1]});
        if (max_abs) {
            float m;
            std::memcpy(&m, &mx[f], sizeof m);
            if (m > max_abs[f]) max_abs[f] = m;
        }
    }
    if (n_rows) *n_rows += (int64_t)rows;
    return LLAMA_SAE_CUDA_OK;
}
