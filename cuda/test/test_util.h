// Host helpers shared by the CUDA kernel tests: RNG, 16-bit float conversions, the scaled
// tolerance check of llm.c (|gpu - ref| <= tol + |ref| * eps), poisoning, device skip.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "llama_sae_cuda.h"

#define TEST_CUDA(expr)                                                                                     \
    do {                                                                                                    \
        cudaError_t e_ = (expr);                                                                            \
        if (e_ != cudaSuccess) {                                                                            \
            std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, cudaGetErrorString(e_)); \
            std::exit(1);                                                                                   \
        }                                                                                                   \
    } while (0)

#define TEST_OK(expr)                                                                                        \
    do {                                                                                                     \
        int32_t r_ = (expr);                                                                                 \
        if (r_ != LLAMA_SAE_CUDA_OK) {                                                                       \
            std::fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, r_,               \
                         llama_sae_cuda_last_error());                                                       \
            std::exit(1);                                                                                    \
        }                                                                                                    \
    } while (0)

// Exit code 77 is registered as SKIP_RETURN_CODE in CMakeLists.txt.
inline void skip_without_device() {
    if (llama_sae_cuda_device_count() == 0) {
        std::printf("skipped: no CUDA device\n");
        std::exit(77);
    }
}

inline uint16_t f32_to_bf16(float f) {  // round to nearest even
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
inline float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline uint16_t f32_to_f16(float f) {  // round to nearest even, normal range (test data is small)
    uint32_t u;
    std::memcpy(&u, &f, 4);
    const uint32_t sign = (u >> 16) & 0x8000u;
    int32_t exp = (int32_t)((u >> 23) & 0xff) - 127 + 15;
    uint32_t mant = u & 0x7fffffu;
    if (exp <= 0) {  // subnormal half
        if (exp < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        const int shift = 14 - exp;
        uint32_t h = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) ++h;
        return (uint16_t)(sign | h);
    }
    if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
    uint32_t h = ((uint32_t)exp << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
    return (uint16_t)(sign | h);
}
inline float f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const int exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ffu;
    float f;
    if (exp == 0) {
        f = std::ldexp((float)mant, -24);
        uint32_t u;
        std::memcpy(&u, &f, 4);
        u |= sign;
        std::memcpy(&f, &u, 4);
        return f;
    }
    uint32_t u = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) : (sign | ((uint32_t)(exp - 15 + 127) << 23) | (mant << 13));
    std::memcpy(&f, &u, 4);
    return f;
}

// Weights of one SAE in a storage dtype, plus the same values as float (what the GPU sees).
struct HostSae {
    int F = 0, d = 0, dtype = LLAMA_SAE_CUDA_DTYPE_F32;
    std::vector<float> w_enc, w_dec, b_enc, b_dec;  // dequantized values [F, d], [F, d], [F], [d]
    std::vector<uint16_t> w_enc16, w_dec16;         // raw 16-bit storage when dtype != F32

    llama_sae_cuda_weights view() const {
        llama_sae_cuda_weights w{};
        w.n_features = F;
        w.d_model = d;
        w.dtype = dtype;
        w.w_enc = dtype == LLAMA_SAE_CUDA_DTYPE_F32 ? (const void*)w_enc.data() : (const void*)w_enc16.data();
        w.w_dec = dtype == LLAMA_SAE_CUDA_DTYPE_F32 ? (const void*)w_dec.data() : (const void*)w_dec16.data();
        w.b_enc = b_enc.data();
        w.b_dec = b_dec.data();
        w.threshold = nullptr;
        return w;
    }
};

// Rounds v through the storage dtype; returns the stored bits (16-bit types) and writes back
// the value the device will read.
inline uint16_t quantize(float& v, int dtype) {
    if (dtype == LLAMA_SAE_CUDA_DTYPE_BF16) {
        const uint16_t h = f32_to_bf16(v);
        v = bf16_to_f32(h);
        return h;
    }
    if (dtype == LLAMA_SAE_CUDA_DTYPE_F16) {
        const uint16_t h = f32_to_f16(v);
        v = f16_to_f32(h);
        return h;
    }
    return 0;
}

// random_dec = false copies W_enc into W_dec (encode-only tests: saves half the RNG time).
inline HostSae make_sae(int F, int d, int dtype, std::mt19937_64& rng, int n_dup_pairs = 0, bool random_dec = true) {
    HostSae s;
    s.F = F;
    s.d = d;
    s.dtype = dtype;
    std::normal_distribution<float> nd(0.0f, 1.0f / std::sqrt((float)d));
    std::normal_distribution<float> nb(0.0f, 0.1f);
    s.w_enc.resize((size_t)F * d);
    s.w_dec.resize((size_t)F * d);
    s.b_enc.resize(F);
    s.b_dec.resize(d);
    for (auto& v : s.w_enc) v = nd(rng);
    if (random_dec)
        for (auto& v : s.w_dec) v = nd(rng);
    else
        s.w_dec = s.w_enc;
    for (auto& v : s.b_enc) v = nb(rng);
    for (auto& v : s.b_dec) v = nb(rng);
    // duplicate latent rows (exact ties): row b := row a for a < b, same bias
    std::uniform_int_distribution<int> pick(0, F - 1);
    for (int i = 0; i < n_dup_pairs; ++i) {
        int a = pick(rng), b = pick(rng);
        if (a == b) continue;
        std::memcpy(&s.w_enc[(size_t)b * d], &s.w_enc[(size_t)a * d], d * sizeof(float));
        s.b_enc[b] = s.b_enc[a];
    }
    if (dtype != LLAMA_SAE_CUDA_DTYPE_F32) {
        s.w_enc16.resize(s.w_enc.size());
        s.w_dec16.resize(s.w_dec.size());
        for (size_t i = 0; i < s.w_enc.size(); ++i) s.w_enc16[i] = quantize(s.w_enc[i], dtype);
        for (size_t i = 0; i < s.w_dec.size(); ++i) s.w_dec16[i] = quantize(s.w_dec[i], dtype);
    }
    return s;
}

// llm.c-style check; prints the first few mismatches. Returns the number of mismatches.
inline long check_close(const char* what, const float* got, const double* ref, size_t n, double tol, double eps,
                        int max_print = 5) {
    long bad = 0;
    for (size_t i = 0; i < n; ++i) {
        const double g = got[i], r = ref[i];
        if (!(std::fabs(g - r) <= tol + std::fabs(r) * eps)) {  // NaN fails
            if (bad < max_print) std::printf("  %s mismatch at %zu: gpu %.9g ref %.9g\n", what, i, g, r);
            ++bad;
        }
    }
    return bad;
}

template <typename T>
inline T* device_alloc(size_t n) {
    T* p = nullptr;
    TEST_CUDA(cudaMalloc((void**)&p, n * sizeof(T)));
    return p;
}
template <typename T>
inline void to_device(T* dst, const std::vector<T>& src) {
    TEST_CUDA(cudaMemcpy(dst, src.data(), src.size() * sizeof(T), cudaMemcpyHostToDevice));
}
template <typename T>
inline std::vector<T> to_host(const T* src, size_t n) {
    std::vector<T> v(n);
    TEST_CUDA(cudaMemcpy(v.data(), src, n * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
}
// Poison: 0xFF bytes = NaN for floats, -1 for ints.
inline void poison(void* p, size_t bytes) { TEST_CUDA(cudaMemset(p, 0xff, bytes)); }
