// LLAMA_SAE_NO_SIMD=1 selects the scalar reference path (read once, before the first kernel
// call); force_simd_level only accepts levels the CPU supports.
#include <cstdlib>

#include "check.h"
#include "simd_level.h"

using namespace llama_sae;

int main() {
    setenv("LLAMA_SAE_NO_SIMD", "1", 1);
    KT_CHECK(active_simd_level() == SimdLevel::Scalar, "env switch ignored: %s",
             simd_level_name(active_simd_level()));
    const SimdLevel best = detected_simd_level();
    std::printf("detected %s\n", simd_level_name(best));
    KT_CHECK(force_simd_level(best), "cannot force the detected level");
    KT_CHECK(active_simd_level() == best, "forced level not active");
    clear_forced_simd_level();
    KT_CHECK(active_simd_level() == SimdLevel::Scalar, "env switch lost after clearing the forced level");
    if (best != SimdLevel::Avx512)
        KT_CHECK(!force_simd_level(SimdLevel::Avx512), "forced an unsupported level");
    return kt::finish("test_simd_switch");
}
