// Internal to llama_sae_cuda: error reporting, dtype loads, and the handle structs.
// Every CUDA call goes through LSC_CHECK, which records file:line in a thread-local message
// and returns a status from the enclosing function (the library never aborts).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "../llama_sae_cuda.h"

namespace lsc {

// Records "file:line: what" as this thread's last error and returns `status`.
int32_t fail(int32_t status, const char* file, int line, const char* fmt, ...);
// Maps a CUDA error to a status and records it.
int32_t fail_cuda(cudaError_t err, const char* file, int line, const char* expr);

}  // namespace lsc

#define LSC_CHECK(expr)                                                            \
    do {                                                                           \
        cudaError_t lsc_err_ = (expr);                                             \
        if (lsc_err_ != cudaSuccess) return lsc::fail_cuda(lsc_err_, __FILE__, __LINE__, #expr); \
    } while (0)
// After a kernel launch: launch-configuration errors surface here, not at the next sync.
#define LSC_CHECK_LAUNCH() LSC_CHECK(cudaGetLastError())
#define LSC_FAIL(status, ...) lsc::fail((status), __FILE__, __LINE__, __VA_ARGS__)

namespace lsc {

// Loads element i of a weight array stored as dtype (0 f32, 1 f16, 2 bf16) as float.
__device__ __forceinline__ float load_weight(const void* w, int dtype, size_t i) {
    if (dtype == LLAMA_SAE_CUDA_DTYPE_F32) return static_cast<const float*>(w)[i];
    if (dtype == LLAMA_SAE_CUDA_DTYPE_F16) return __half2float(static_cast<const __half*>(w)[i]);
    return __bfloat162float(static_cast<const __nv_bfloat16*>(w)[i]);
}

inline size_t dtype_size(int dtype) { return dtype == LLAMA_SAE_CUDA_DTYPE_F32 ? 4 : 2; }

constexpr int kRowPad = 256;  // rows of the bf16 scoring copy are padded to a multiple of this (TC tile)
constexpr int kColPad = 64;   // columns (d) of the bf16 copies are padded to a multiple of this
constexpr int kSegment = 4096;  // latents per first-stage selection segment
constexpr int kTieSlack = 32;   // extra candidate slots for exact ties at the cut

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Encode with only some stages (benchmarks time the scoring GEMM/GEMV alone).
enum class EncodeStages { all, score_only };
int32_t encode_impl(llama_sae_cuda_sae* s, const float* x, int32_t T, int32_t k, int32_t mode, int32_t* idx_out,
                    float* val_out, void* stream, EncodeStages stages);

}  // namespace lsc

// Device weights + encode workspace. Owned by llama_sae_cuda_sae_init / _free.
struct llama_sae_cuda_sae {
    int32_t F = 0, d = 0, dtype = 0;
    int32_t F_pad = 0, d_pad = 0;   // padded shape of w_enc_bf16
    void* w_enc = nullptr;          // [F, d] storage dtype
    void* w_dec = nullptr;          // [F, d] storage dtype
    float* b_enc = nullptr;         // [F]
    float* b_dec = nullptr;         // [d]
    float* threshold = nullptr;     // [F] or null
    __nv_bfloat16* w_enc_bf16 = nullptr;  // [F_pad, d_pad], zero padded: approximate scoring
    int32_t margin = 32;
    int32_t path = LLAMA_SAE_CUDA_PATH_AUTO;
    int device = 0;
    int num_sms = 0;
    size_t smem_optin = 0;
    size_t l2_bytes = 0;            // device L2 size: the cuBLAS path's chunk of P stays within half of it
    // workspace (grown on demand)
    size_t ws_bytes = 0;
    void* ws = nullptr;
    // cuBLAS path (cublas_runtime.h): handle and its workspace, created on first use / reserve
    void* cublas = nullptr;         // cublasHandle_t
    void* cublas_ws = nullptr;
};

// Device-resident edit table. Sizes never change after init.
struct llama_sae_cuda_edits {
    int32_t F = 0;
    int8_t* op = nullptr;        // [F] -1 = none, else LLAMA_SAE_EDIT_SCALE/CLAMP/SWAP
    float* arg = nullptr;        // [F] scale factor or clamp value
    int32_t* partner = nullptr;  // [F] swap partner
    int32_t* lists = nullptr;    // [2 + MAX_CLAMPS + MAX_STEERS]: n_clamp, n_steer, clamp latents, steer latents
    float* steer_alpha = nullptr;  // [MAX_STEERS]
    // host staging of the last upload (kept alive until the next set / free)
    std::vector<int8_t> h_op;
    std::vector<float> h_arg;
    std::vector<int32_t> h_partner, h_lists;
    std::vector<float> h_steer;
};

// Exact fixed-point accumulators (native/src/kernels/exact_sum.h): the 128-bit sums are (hi, lo)
// word pairs added with 64-bit atomics and a carry, so their totals do not depend on atomic order.
struct llama_sae_cuda_stats {
    int32_t F = 0;
    unsigned long long* count = nullptr;    // [F]
    unsigned long long* sum_abs = nullptr;  // [2F] (hi, lo) of sum round(|a| * 2^40)
    unsigned long long* sum = nullptr;      // [2F] (hi, lo) of sum round(a * 2^40)
    unsigned int* max_abs = nullptr;        // [F] float bits of a non-negative float (int order == float order)
    unsigned long long* rows = nullptr;     // [1]
};
