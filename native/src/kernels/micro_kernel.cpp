// GEMM micro-kernels: a portable scalar one (no FMA, the reference path) and AVX2/FMA and
// AVX-512F ones compiled with target attributes and chosen at run time.
#include "micro_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LLAMA_SAE_X86 1
#endif

namespace llama_sae {
namespace detail {

namespace {

// Scalar: 4 x 16 block, plain multiply and add (no contraction into FMA on baseline x86-64).
constexpr int kScalarMr = 4;
constexpr int kScalarNr = 16;

void kernel_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                   bool accumulate) {
    float acc[kScalarMr][kScalarNr];
    for (int i = 0; i < kScalarMr; ++i)
        for (int j = 0; j < kScalarNr; ++j) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
    for (int64_t p = 0; p < kc; ++p) {
        for (int i = 0; i < kScalarMr; ++i) {
            const float ai = a[i];
            for (int j = 0; j < kScalarNr; ++j) acc[i][j] += ai * b[j];
        }
        a += kScalarMr;
        b += kScalarNr;
    }
    for (int i = 0; i < kScalarMr; ++i)
        for (int j = 0; j < kScalarNr; ++j) c[i * ldc + j] = acc[i][j];
}

#ifdef LLAMA_SAE_X86
// AVX2 + FMA: 6 x 16 block = 12 ymm accumulators, 2 B vectors, 1 broadcast.
constexpr int kAvx2Mr = 6;
constexpr int kAvx2Nr = 16;

__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* a, const float* b,
                                                     float* c, int64_t ldc, bool accumulate) {
    __m256 c0[kAvx2Mr], c1[kAvx2Mr];
#pragma GCC unroll 6
    for (int i = 0; i < kAvx2Mr; ++i) {
        if (accumulate) {
            c0[i] = _mm256_loadu_ps(c + i * ldc);
            c1[i] = _mm256_loadu_ps(c + i * ldc + 8);
        } else {
            c0[i] = _mm256_setzero_ps();
            c1[i] = _mm256_setzero_ps();
        }
    }
    for (int64_t p = 0; p < kc; ++p) {
        const __m256 b0 = _mm256_loadu_ps(b);
        const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
        for (int i = 0; i < kAvx2Mr; ++i) {
            const __m256 ai = _mm256_broadcast_ss(a + i);
            c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
        }
        a += kAvx2Mr;
        b += kAvx2Nr;
    }
#pragma GCC unroll 6
    for (int i = 0; i < kAvx2Mr; ++i) {
        _mm256_storeu_ps(c + i * ldc, c0[i]);
        _mm256_storeu_ps(c + i * ldc + 8, c1[i]);
    }
}

// AVX-512F: 12 x 32 block = 24 zmm accumulators, 2 B vectors, 1 broadcast (of 32 registers).
constexpr int kAvx512Mr = 12;
constexpr int kAvx512Nr = 32;

__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* a, const float* b,
                                                      float* c, int64_t ldc, bool accumulate) {
    __m512 c0[kAvx512Mr], c1[kAvx512Mr];
#pragma GCC unroll 12
    for (int i = 0; i < kAvx512Mr; ++i) {
        if (accumulate) {
            c0[i] = _mm512_loadu_ps(c + i * ldc);
            c1[i] = _mm512_loadu_ps(c + i * ldc + 16);
        } else {
            c0[i] = _mm512_setzero_ps();
            c1[i] = _mm512_setzero_ps();
        }
    }
    for (int64_t p = 0; p < kc; ++p) {
        const __m512 b0 = _mm512_loadu_ps(b);
        const __m512 b1 = _mm512_loadu_ps(b + 16);
        _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kAvx512Nr), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < kAvx512Mr; ++i) {
            const __m512 ai = _mm512_set1_ps(a[i]);
            c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
        }
        a += kAvx512Mr;
        b += kAvx512Nr;
    }
#pragma GCC unroll 12
    for (int i = 0; i < kAvx512Mr; ++i) {
        _mm512_storeu_ps(c + i * ldc, c0[i]);
        _mm512_storeu_ps(c + i * ldc + 16, c1[i]);
    }
}
#endif  // LLAMA_SAE_X86

}  // namespace

const MicroKernel& micro_kernel_scalar() {
    static const MicroKernel k{SimdLevel::Scalar, kScalarMr, kScalarNr, 256, kernel_scalar};
    return k;
}

#ifdef LLAMA_SAE_X86
const MicroKernel& micro_kernel_avx2() {
    static const MicroKernel k{SimdLevel::Avx2, kAvx2Mr, kAvx2Nr, 256, kernel_avx2};
    return k;
}
const MicroKernel& micro_kernel_avx512() {
    static const MicroKernel k{SimdLevel::Avx512, kAvx512Mr, kAvx512Nr, 192, kernel_avx512};
    return k;
}
#else
const MicroKernel& micro_kernel_avx2() { return micro_kernel_scalar(); }
const MicroKernel& micro_kernel_avx512() { return micro_kernel_scalar(); }
#endif

const MicroKernel& active_micro_kernel() {
    switch (active_simd_level()) {
        case SimdLevel::Avx512: return micro_kernel_avx512();
        case SimdLevel::Avx2: return micro_kernel_avx2();
        case SimdLevel::Scalar: break;
    }
    return micro_kernel_scalar();
}

}  // namespace detail
}  // namespace llama_sae
