// Order-independent sums (the engine's statistics): every value is rounded ONCE to a multiple of
// 2^-40 (ties toward +infinity) and added into a 128-bit two's-complement integer, so any split of
// the data into batches, threads, atomics or Spark partitions gives bit-identical totals. This is
// the same definition as io.llamasae.analysis.ExactSum (tested against each other): an accumulator
// is a pair of int64 words {hi, lo}, lo read as unsigned, exactly Java's long[2 i], long[2 i + 1].
// Header-only and usable in CUDA device code (cuda/src/feature_stats.cu).
#pragma once

#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define LLAMA_SAE_HD __host__ __device__
#else
#define LLAMA_SAE_HD
#endif

namespace llama_sae {

// Values must be finite and below this in magnitude (so 2^23 of them cannot overflow 128 bits).
constexpr double kExactSumMaxAbs = 0x1p64;

struct Fixed128 {
    int64_t hi;
    uint64_t lo;
};

// round(v * 2^40), ties toward +infinity (Java's Math.round); v finite, |v| < kExactSumMaxAbs.
LLAMA_SAE_HD inline Fixed128 to_fixed(double v) {
    const double w = v * 0x1p40;  // exact: a power-of-two scaling
    if (std::fabs(w) < 0x1p62) {
        double f = std::floor(w);
        if (w - f >= 0.5) f += 1.0;  // w - floor(w) is exact here (see ExactSum.java)
        const int64_t q = static_cast<int64_t>(f);
        return {q < 0 ? -1 : 0, static_cast<uint64_t>(q)};
    }
    // |w| >= 2^62 is an integer; split it into 64-bit words exactly.
    const double h = std::floor(w * 0x1p-64);
    const double l = w - h * 0x1p64;  // in [0, 2^64), exact
    return {static_cast<int64_t>(h), static_cast<uint64_t>(l)};
}

// acc[0..1] (hi, lo) += x, modulo 2^128.
LLAMA_SAE_HD inline void add_fixed(int64_t* acc, Fixed128 x) {
    const uint64_t lo = static_cast<uint64_t>(acc[1]);
    const uint64_t sum = lo + x.lo;
    const uint64_t carry = sum < lo ? 1u : 0u;
    acc[0] = static_cast<int64_t>(static_cast<uint64_t>(acc[0]) + static_cast<uint64_t>(x.hi) + carry);
    acc[1] = static_cast<int64_t>(sum);
}

LLAMA_SAE_HD inline void add_value(int64_t* acc, double v) { add_fixed(acc, to_fixed(v)); }

// The sum as a double (correctly rounded, then scaled by 2^-40), as ExactSum.toDouble.
inline double fixed_to_double(const int64_t* acc) {
    const __int128 v = (static_cast<__int128>(acc[0]) << 64) | static_cast<__int128>(static_cast<uint64_t>(acc[1]));
    return static_cast<double>(v) * 0x1p-40;
}

}  // namespace llama_sae
