// Compile-time check of cublas_runtime.h's restated cuBLAS ABI against the real cublas_v2.h.
// Compiled only where the header is found (the GPU build: CMake option LLAMA_SAE_CUBLAS_INCLUDE_DIR
// or the toolkit's include folder); a mismatch of any signature or enum value fails that build.
#include <cublas_v2.h>

#include <tuple>
#include <type_traits>

#include "cublas_runtime.h"

namespace {

using namespace lsc::cublas;

static_assert(CUBLAS_OP_N == kOpN && CUBLAS_OP_T == kOpT, "cublasOperation_t values");
static_assert(CUDA_R_32F == kR32F && CUDA_R_16BF == kR16BF, "cudaDataType_t values");
static_assert(CUBLAS_COMPUTE_32F == kCompute32F, "cublasComputeType_t value");
static_assert(CUBLAS_GEMM_DEFAULT == kGemmDefault, "cublasGemmAlgo_t value");
static_assert(CUBLAS_STATUS_SUCCESS == kStatusSuccess, "cublasStatus_t value");

// One parameter passes the same way: same type, an enum or integer of the same size and
// signedness class as ours (enums travel as int), or a pointer for a pointer.
template <class Real, class Ours>
constexpr bool same_slot() {
    if constexpr (std::is_same_v<Real, Ours>) return true;
    else if constexpr ((std::is_enum_v<Real> || std::is_integral_v<Real>) && std::is_integral_v<Ours>)
        return sizeof(Real) == sizeof(Ours);
    else if constexpr (std::is_pointer_v<Real> && std::is_pointer_v<Ours>)
        return true;  // opaque handles, streams, data pointers (const-ness checked by the call sites)
    else return false;
}

template <class F>
struct fn_traits;
template <class R, class... A>
struct fn_traits<R (*)(A...)> {
    using ret = R;
    using args = std::tuple<A...>;
    static constexpr size_t n = sizeof...(A);
};

template <class Real, class Ours, size_t... I>
constexpr bool same_args(std::index_sequence<I...>) {
    return (same_slot<std::tuple_element_t<I, typename fn_traits<Real>::args>,
                      std::tuple_element_t<I, typename fn_traits<Ours>::args>>() && ...);
}

template <class Real, class Ours>
constexpr bool same_abi() {
    using R = fn_traits<Real>;
    using O = fn_traits<Ours>;
    if constexpr (R::n != O::n) return false;
    else return same_slot<typename R::ret, typename O::ret>() && same_args<Real, Ours>(std::make_index_sequence<R::n>{});
}

static_assert(same_abi<decltype(&cublasCreate_v2), CreateFn>(), "cublasCreate_v2");
static_assert(same_abi<decltype(&cublasDestroy_v2), DestroyFn>(), "cublasDestroy_v2");
static_assert(same_abi<decltype(&cublasSetStream_v2), SetStreamFn>(), "cublasSetStream_v2");
static_assert(same_abi<decltype(&cublasSetWorkspace_v2), SetWorkspaceFn>(), "cublasSetWorkspace_v2");
static_assert(same_abi<decltype(&cublasGetVersion_v2), GetVersionFn>(), "cublasGetVersion_v2");
// cublasGemmEx through a cast to its documented signature: this also picks the right one should a
// C++ overload exist (CUDA 11 had one taking cudaDataType as the compute type).
using RealGemmEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                                      const void*, cudaDataType, int, const void*, cudaDataType, int, const void*, void*,
                                      cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);
[[maybe_unused]] constexpr RealGemmEx kRealGemmEx = &cublasGemmEx;
static_assert(same_abi<RealGemmEx, GemmExFn>(), "cublasGemmEx");

}  // namespace
