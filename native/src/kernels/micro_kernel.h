// Internal: the GEMM micro-kernels. A micro-kernel computes one MR x NR block of C from packed
// panels: a = packed A panel [kc][MR] (k-major), b = packed B panel [kc][NR], c = C block with
// row stride ldc. It either overwrites C (accumulate == false) or continues from the values in
// C (accumulate == true), so a dot product is always one sequential chain over k.
#pragma once

#include <cstdint>

#include "simd_level.h"

namespace llama_sae {
namespace detail {

using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               bool accumulate);

struct MicroKernel {
    SimdLevel level;
    int mr;        // rows of C per call (broadcast operand A)
    int nr;        // columns of C per call (vector operand B), a multiple of the vector width
    int kc;        // depth of one K slice: one packed B panel (kc x nr floats) fits L1
    MicroKernelFn run;
};

const MicroKernel& micro_kernel_scalar();
const MicroKernel& micro_kernel_avx2();    // only call when the CPU has AVX2 + FMA
const MicroKernel& micro_kernel_avx512();  // only call when the CPU has AVX-512F

/// The micro-kernel for active_simd_level().
const MicroKernel& active_micro_kernel();

}  // namespace detail
}  // namespace llama_sae
