// cuBLAS loaded at run time: the few entry points and enum values the encode's scoring GEMM uses.
//
// Why not link cuBLAS: the kernels must build and be tested where the CUDA toolkit has no cuBLAS
// (CI, the workstations: nvcc + cudart only), and a path that is only compiled where cuBLAS
// headers exist would rot between GPU runs. Loading libcublas with dlopen keeps the cuBLAS path in
// every build; where the library is absent (or LLAMA_SAE_CUDA_CUBLAS=0) the encode falls back to
// the cudart-only WMMA kernel. Inside the engine's LLAMA_SAE_CUDA build ggml-cuda has already
// linked libcublas, so dlopen returns the library that is loaded anyway.
//
// The table below restates the cuBLAS ABI (function signatures with enums as int, enum values).
// cublas_abi_check.cpp, compiled only where cublas_v2.h is found (the GPU build), checks every
// entry and value against the real header with static_asserts, so a mismatch fails that build.
//
// Host-only code (no CUDA headers): the GEMM call mapping is also tested on the CPU against a
// host implementation of the cuBLAS contract (test/fake_cublas.cpp, test/test_cublas_runtime.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lsc::cublas {

// cublasOperation_t
constexpr int kOpN = 0;
constexpr int kOpT = 1;
// cudaDataType_t
constexpr int kR32F = 0;
constexpr int kR16BF = 14;
// cublasComputeType_t
constexpr int kCompute32F = 68;
// cublasGemmAlgo_t
constexpr int kGemmDefault = -1;
// cublasStatus_t
constexpr int kStatusSuccess = 0;

// Signatures of the entry points (cublasHandle_t and cudaStream_t are opaque pointers, the enum
// parameters are C enums = int on every ABI cuBLAS ships for).
using CreateFn = int (*)(void** handle);                                        // cublasCreate_v2
using DestroyFn = int (*)(void* handle);                                        // cublasDestroy_v2
using SetStreamFn = int (*)(void* handle, void* stream);                        // cublasSetStream_v2
using SetWorkspaceFn = int (*)(void* handle, void* workspace, size_t bytes);    // cublasSetWorkspace_v2
using GetVersionFn = int (*)(void* handle, int* version);                       // cublasGetVersion_v2
using GemmExFn = int (*)(void* handle, int transa, int transb, int m, int n, int k, const void* alpha, const void* A,
                         int Atype, int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype,
                         int ldc, int computeType, int algo);                    // cublasGemmEx

struct Api {
    CreateFn create = nullptr;
    DestroyFn destroy = nullptr;
    SetStreamFn set_stream = nullptr;
    SetWorkspaceFn set_workspace = nullptr;
    GetVersionFn get_version = nullptr;
    GemmExFn gemm_ex = nullptr;
    std::string library;  // the file that was loaded
};

// The loaded API, or null with *why saying what was tried (library names, the missing symbol, or
// that LLAMA_SAE_CUDA_CUBLAS=0 turned it off). Loaded once per process (thread-safe). The
// library is libcublas.so.13, .so.12 or .so, unless LLAMA_SAE_CUBLAS_LIB names a file.
const Api* api(std::string* why);

// Loads `path` (tests: a host implementation of the contract) without caching; null on failure.
const Api* load_from(const char* path, std::string* why);

// Scores one chunk of latents with a bf16 x bf16 -> fp32 GEMM (tensor cores, fp32 accumulation):
//   P[t * ldP + i] = sum_c W[(f0 + i) * ldw + c] * X[t * ldx + c]   for i < m, t < n, c < kdim
// W: bf16 [*, ldw] latent-major; X: bf16 [n, ldx] token-major; P: fp32 row per token.
// In cuBLAS's column-major terms: C (m x n, ldc = ldP) = op(A)^T B with A = W as a (kdim x m)
// column-major matrix (lda = ldw, transposed) and B = X as (kdim x n) (ldb = ldx, not transposed).
// Returns the cuBLAS status (0 = success).
int gemm_bf16_rows(const Api& api, void* handle, const uint16_t* W, int64_t ldw, int64_t f0, int m, const uint16_t* X,
                   int64_t ldx, int n, int kdim, float* P, int64_t ldP);

}  // namespace lsc::cublas
