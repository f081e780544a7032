// Which instruction set the CPU kernels use. Chosen at run time (the library is built without
// -march=native): the best of AVX-512F, AVX2+FMA, scalar that the CPU supports, unless the
// environment variable LLAMA_SAE_NO_SIMD=1 forces the scalar reference path (the "switch back
// to the reference" knob), or a test forces a level with force_simd_level().
#pragma once

#include <cstdint>

namespace llama_sae {

enum class SimdLevel : int32_t { Scalar = 0, Avx2 = 1, Avx512 = 2 };

/// Best level this CPU supports (cpuid), ignoring the environment and any forced level.
SimdLevel detected_simd_level();

/// The level kernels use now: forced level if set, else Scalar when LLAMA_SAE_NO_SIMD=1
/// (read once), else detected_simd_level().
SimdLevel active_simd_level();

/// Forces a level for all later kernel calls (process-wide; meant for tests and benchmarks).
/// Returns false and changes nothing when the CPU does not support it.
bool force_simd_level(SimdLevel level);

/// Drops a forced level; active_simd_level() goes back to environment/detection.
void clear_forced_simd_level();

/// "scalar", "avx2" or "avx512".
const char* simd_level_name(SimdLevel level);

}  // namespace llama_sae
