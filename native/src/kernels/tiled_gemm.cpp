#include "tiled_gemm.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace llama_sae {
namespace detail {

namespace {

// Plain packing of rows [j0, valid) of one panel.
void pack_rows_scalar(const float* src, int64_t ld, int64_t r0, int j0, int valid, int64_t K, int w,
                      float* panel) {
    for (int j = j0; j < valid; ++j) {
        const float* s = src + (r0 + j) * ld;
        float* o = panel + j;
        for (int64_t k = 0; k < K; ++k) o[k * w] = s[k];
    }
}

#if defined(__x86_64__) || defined(__i386__)
// Packs groups of 8 rows with in-register 8x8 transposes: 8 loads, 24 shuffles and 8 stores
// per 64 floats instead of 64 strided scalar stores (packing B is the main overhead of the
// GEMM when there are few rows). Returns the number of rows handled (a multiple of 8).
__attribute__((target("avx2"))) int pack_rows_avx2(const float* src, int64_t ld, int64_t r0, int valid,
                                                   int64_t K, int w, float* panel) {
    const int groups = valid / 8;
    const int64_t k8 = K / 8 * 8;
    for (int g = 0; g < groups; ++g) {
        const float* s = src + (r0 + 8 * g) * ld;
        float* o = panel + 8 * g;
        for (int64_t k = 0; k < k8; k += 8) {
            const __m256 r0v = _mm256_loadu_ps(s + 0 * ld + k), r1v = _mm256_loadu_ps(s + 1 * ld + k);
            const __m256 r2v = _mm256_loadu_ps(s + 2 * ld + k), r3v = _mm256_loadu_ps(s + 3 * ld + k);
            const __m256 r4v = _mm256_loadu_ps(s + 4 * ld + k), r5v = _mm256_loadu_ps(s + 5 * ld + k);
            const __m256 r6v = _mm256_loadu_ps(s + 6 * ld + k), r7v = _mm256_loadu_ps(s + 7 * ld + k);
            const __m256 t0 = _mm256_unpacklo_ps(r0v, r1v), t1 = _mm256_unpackhi_ps(r0v, r1v);
            const __m256 t2 = _mm256_unpacklo_ps(r2v, r3v), t3 = _mm256_unpackhi_ps(r2v, r3v);
            const __m256 t4 = _mm256_unpacklo_ps(r4v, r5v), t5 = _mm256_unpackhi_ps(r4v, r5v);
            const __m256 t6 = _mm256_unpacklo_ps(r6v, r7v), t7 = _mm256_unpackhi_ps(r6v, r7v);
            const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float* d = o + k * w;
            _mm256_storeu_ps(d + 0 * w, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + 1 * w, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * w, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * w, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * w, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * w, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * w, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * w, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        for (int j = 0; j < 8; ++j)
            for (int64_t k = k8; k < K; ++k) o[k * w + j] = s[j * ld + k];
    }
    return groups * 8;
}
#endif

}  // namespace

void pack_panels(const float* src, int64_t ld, int64_t rows, int64_t K, int w, float* dst) {
    // The scalar path reads each source row front to back (one sequential stream the hardware
    // prefetcher follows, which matters when W_enc comes from DRAM); the strided writes land in
    // the panel (w*K floats), small enough to stay in L2.
#if defined(__x86_64__) || defined(__i386__)
    const bool use_avx2 = w % 8 == 0 && active_simd_level() != SimdLevel::Scalar;
#endif
    const int64_t n_panels = ceil_div(rows, w);
    for (int64_t q = 0; q < n_panels; ++q) {
        const int64_t r0 = q * w;
        const int valid = static_cast<int>(std::min<int64_t>(w, rows - r0));
        float* panel = dst + q * w * K;
        if (valid < w) std::memset(panel, 0, sizeof(float) * static_cast<size_t>(w * K));
        int done = 0;
#if defined(__x86_64__) || defined(__i386__)
        if (use_avx2) done = pack_rows_avx2(src, ld, r0, valid, K, w, panel);
#endif
        pack_rows_scalar(src, ld, r0, done, valid, K, w, panel);
    }
}

AlignedFloats& thread_a_scratch() {
    thread_local AlignedFloats buf;
    return buf;
}

AlignedFloats& thread_b_scratch() {
    thread_local AlignedFloats buf;
    return buf;
}

AlignedFloats& thread_p_scratch() {
    thread_local AlignedFloats buf;
    return buf;
}

}  // namespace detail
}  // namespace llama_sae
