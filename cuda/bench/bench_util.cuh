// Benchmark helpers (llm.c benchmark_kernel habits): CUDA events around the timed region only,
// L2 flushed between repetitions, median and spread of many runs, measured HBM ceiling.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "../test/test_util.h"

struct Timing {
    double median_ms, p10_ms, p90_ms;
};

// Writes a buffer twice the L2 size so the next run starts with a cold L2.
struct L2Flusher {
    void* buf = nullptr;
    size_t bytes = 0;
    L2Flusher() {
        int dev = 0, l2 = 0;
        TEST_CUDA(cudaGetDevice(&dev));
        TEST_CUDA(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
        bytes = std::max<size_t>((size_t)l2 * 2, 64u << 20);
        TEST_CUDA(cudaMalloc(&buf, bytes));
    }
    ~L2Flusher() { cudaFree(buf); }
    void flush() { TEST_CUDA(cudaMemsetAsync(buf, 0x5a, bytes)); }
};

// Median of `reps` timed runs of fn (after `warmup` untimed runs), L2 flushed before each.
inline Timing time_op(const std::function<void()>& fn, int reps = 50, int warmup = 5) {
    static L2Flusher flusher;
    cudaEvent_t a, b;
    TEST_CUDA(cudaEventCreate(&a));
    TEST_CUDA(cudaEventCreate(&b));
    for (int i = 0; i < warmup; ++i) fn();
    TEST_CUDA(cudaDeviceSynchronize());
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
        flusher.flush();
        TEST_CUDA(cudaEventRecord(a));
        fn();
        TEST_CUDA(cudaEventRecord(b));
        TEST_CUDA(cudaEventSynchronize(b));
        float t = 0.0f;
        TEST_CUDA(cudaEventElapsedTime(&t, a, b));
        ms.push_back(t);
    }
    TEST_CUDA(cudaGetLastError());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() / 10], ms[ms.size() * 9 / 10]};
}

__global__ void bench_copy_kernel(const float4* __restrict__ src, float4* __restrict__ dst, size_t n) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        dst[i] = src[i];
}

// Device-to-device copy bandwidth in GB/s (bytes read + bytes written), 2 GiB moved per run.
inline double measure_hbm_gbs() {
    const size_t bytes = 1u << 30;
    float4 *src = nullptr, *dst = nullptr;
    TEST_CUDA(cudaMalloc(&src, bytes));
    TEST_CUDA(cudaMalloc(&dst, bytes));
    TEST_CUDA(cudaMemset(src, 0x3c, bytes));
    int dev = 0, sms = 0;
    TEST_CUDA(cudaGetDevice(&dev));
    TEST_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    const size_t n = bytes / sizeof(float4);
    const Timing t = time_op([&] { bench_copy_kernel<<<sms * 8, 512>>>(src, dst, n); }, 20, 3);
    cudaFree(src);
    cudaFree(dst);
    return 2.0 * bytes / (t.median_ms * 1e-3) / 1e9;
}

// --peak-tflops X (bf16 tensor-core peak measured by torch_topk_baseline.py in the same run).
inline double arg_double(int argc, char** argv, const char* name, double dflt) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return std::atof(argv[i + 1]);
    return dflt;
}
