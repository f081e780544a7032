// Minimal test support for the kernel tests: failure counting with printed context, a seeded
// generator, tolerance comparison |got - ref| <= atol + rtol*|ref| (STYLE.md item 2).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace kt {

inline int g_failures = 0;
inline int g_printed = 0;

#define KT_CHECK(cond, ...)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            ++kt::g_failures;                                                \
            if (kt::g_printed++ < 40) {                                      \
                std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
                std::printf(__VA_ARGS__);                                    \
                std::printf("\n");                                           \
            }                                                                \
        }                                                                    \
    } while (0)

inline bool close(double got, double ref, double atol, double rtol) {
    return std::fabs(got - ref) <= atol + rtol * std::fabs(ref);
}

/// Deterministic uniform floats in [-scale, scale).
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
    uint64_t next() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 2685821657736338717ull;
    }
    float uniform(float scale) {
        return scale * (static_cast<float>(next() >> 40) / 8388608.0f - 1.0f);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
    std::vector<float> vec(size_t n, float scale) {
        std::vector<float> v(n);
        for (float& f : v) f = uniform(scale);
        return v;
    }

private:
    uint64_t s_;
};

inline int finish(const char* name) {
    if (kt::g_failures == 0) {
        std::printf("%s: all checks passed\n", name);
        return 0;
    }
    std::printf("%s: %d check(s) FAILED\n", name, kt::g_failures);
    return 1;
}

}  // namespace kt
