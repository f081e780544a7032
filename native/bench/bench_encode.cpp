// Benchmark of the CPU encoder: fused encode (GEMM + top-k), our sgemm alone, and a tuned SGEMM
// baseline (OpenBLAS cblas_sgemm when built with LLAMA_SAE_HAVE_CBLAS) on the same shape.
// Build: cmake -S . -B build/k -DLLAMA_SAE_KERNELS_ONLY=ON -DLLAMA_SAE_CUDA_KERNELS=OFF &&
//        cmake --build build/k -j2 --target bench_encode
// Run:   build/k/native/bench_encode [T d F k reps threads]   (defaults: 512 2048 16384 64 7 2;
//        with no arguments also runs a small shape 64 512 4096 32).
// Prints the median wall time of `reps` repetitions (after one warm-up), GFLOP/s counting
// 2*T*d*F flops, and encode / baseline. LLAMA_SAE_NO_SIMD=1 benchmarks the scalar path.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "sgemm.h"
#include "simd_level.h"
#include "thread_pool.h"
#include "topk_encode.h"

#ifdef LLAMA_SAE_HAVE_CBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

using namespace llama_sae;

namespace {

void fill_uniform(std::vector<float>& v, uint64_t seed, float scale) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (float& f : v) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        f = scale * (static_cast<float>(static_cast<int32_t>(s >> 33) & 0xFFFFFF) / 8388608.0f - 1.0f);
    }
}

double process_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Median wall seconds; *cpu gets the median process CPU seconds (all threads), which shows
// per-core efficiency even when other processes share the cores.
double median_seconds(int reps, const std::function<void()>& fn, double* cpu) {
    fn();  // warm-up: page faults, scratch allocation, thread start
    std::vector<double> t, c;
    for (int r = 0; r < reps; ++r) {
        const double c0 = process_cpu_seconds();
        const auto a = std::chrono::steady_clock::now();
        fn();
        const auto b = std::chrono::steady_clock::now();
        c.push_back(process_cpu_seconds() - c0);
        t.push_back(std::chrono::duration<double>(b - a).count());
    }
    std::sort(t.begin(), t.end());
    std::sort(c.begin(), c.end());
    *cpu = c[c.size() / 2];
    return t[t.size() / 2];
}

void print_line(const char* name, double wall, double cpu, double gflop) {
    std::printf("  %-17s: %8.2f ms  %7.1f GFLOP/s   (cpu %8.2f ms, %6.1f GFLOP per cpu-s)\n", name,
                wall * 1e3, gflop / wall, cpu * 1e3, gflop / cpu);
}

void run_shape(int64_t T, int32_t d, int32_t F, int32_t k, int reps, int threads) {
    std::vector<float> x(static_cast<size_t>(T) * d), W(static_cast<size_t>(F) * d), b(F);
    fill_uniform(x, 1, 1.0f);
    fill_uniform(W, 2, 0.05f);
    fill_uniform(b, 3, 0.1f);
    std::vector<int32_t> idx(static_cast<size_t>(T) * k);
    std::vector<float> val(static_cast<size_t>(T) * k);
    std::vector<float> C(static_cast<size_t>(T) * F);
    ThreadPool pool(threads);
#ifdef LLAMA_SAE_HAVE_CBLAS
    openblas_set_num_threads(threads);  // before timing anything: idle OpenBLAS threads must not spin
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // its start-up threads park
#endif
    SaeView sae{d, F, W.data(), b.data(), nullptr, nullptr, nullptr};
    const double gflop = 2.0 * T * d * F * 1e-9;

    std::printf("shape T=%lld d=%d F=%d k=%d, %d threads, kernel %s, median of %d\n",
                static_cast<long long>(T), d, F, k, pool.size(), simd_level_name(active_simd_level()),
                reps);
    // OpenBLAS first: its idle threads spin for a while after a call and would steal the cores
    // from whatever is timed next, so the baseline runs first and then gets time to park.
    double t_ref = 0, c_ref = 0;
    const char* ref_name = "our sgemm (no cblas in this build)";
#ifdef LLAMA_SAE_HAVE_CBLAS
    t_ref = median_seconds(reps, [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(T), F, d, 1.0f,
                    x.data(), d, W.data(), d, 0.0f, C.data(), F);
    }, &c_ref);
    ref_name = "OpenBLAS cblas_sgemm";
    print_line("cblas_sgemm", t_ref, c_ref, gflop);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
#endif
    double c_enc, c_gemm;
    const double t_enc = median_seconds(reps, [&] {
        if (encode(sae, Activation::TopKRelu, x.data(), T, k, idx.data(), val.data(), &pool) != kOk)
            std::abort();
    }, &c_enc);
    print_line("encode topk-relu", t_enc, c_enc, gflop);
    const double t_gemm = median_seconds(reps, [&] {
        if (sgemm(T, F, d, x.data(), d, W.data(), d, b.data(), C.data(), F, &pool) != kOk) std::abort();
    }, &c_gemm);
    print_line("sgemm (ours)", t_gemm, c_gemm, gflop);
#ifndef LLAMA_SAE_HAVE_CBLAS
    t_ref = t_gemm;
    c_ref = c_gemm;
#endif
    std::printf("  encode / %s: %.1f %% (wall), %.1f %% (cpu); our sgemm / baseline: %.1f %% (wall), %.1f %% (cpu)\n",
                ref_name, 100.0 * t_ref / t_enc, 100.0 * c_ref / c_enc, 100.0 * t_ref / t_gemm,
                100.0 * c_ref / c_gemm);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && argc != 7) {
        std::fprintf(stderr, "usage: %s [T d F k reps threads]\n", argv[0]);
        return 2;
    }
    if (argc == 7) {
        run_shape(std::atoll(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]),
                  std::atoi(argv[5]), std::atoi(argv[6]));
        return 0;
    }
    run_shape(512, 2048, 16384, 64, 7, 2);
    run_shape(64, 512, 4096, 32, 21, 2);
    return 0;
}
