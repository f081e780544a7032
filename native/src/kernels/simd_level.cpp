#include "simd_level.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace llama_sae {

namespace {
constexpr int32_t kNotForced = -1;
std::atomic<int32_t> g_forced{kNotForced};

bool env_disables_simd() {
    const char* v = std::getenv("LLAMA_SAE_NO_SIMD");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}
}  // namespace

SimdLevel detected_simd_level() {
#if defined(__x86_64__) || defined(__i386__)
    static const SimdLevel level = [] {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) return SimdLevel::Avx512;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::Avx2;
        return SimdLevel::Scalar;
    }();
    return level;
#else
    return SimdLevel::Scalar;
#endif
}

SimdLevel active_simd_level() {
    const int32_t forced = g_forced.load(std::memory_order_relaxed);
    if (forced != kNotForced) return static_cast<SimdLevel>(forced);
    static const bool no_simd = env_disables_simd();
    return no_simd ? SimdLevel::Scalar : detected_simd_level();
}

bool force_simd_level(SimdLevel level) {
    if (static_cast<int32_t>(level) > static_cast<int32_t>(detected_simd_level())) return false;
    g_forced.store(static_cast<int32_t>(level), std::memory_order_relaxed);
    return true;
}

void clear_forced_simd_level() { g_forced.store(kNotForced, std::memory_order_relaxed); }

const char* simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::Scalar: return "scalar";
        case SimdLevel::Avx2: return "avx2";
        case SimdLevel::Avx512: return "avx512";
    }
    return "unknown";
}

}  // namespace llama_sae
