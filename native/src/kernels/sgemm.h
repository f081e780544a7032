// Single-precision GEMM for K-contiguous operands: C[M,N] = A[M,K] . B[N,K]^T (+ bias[N]).
// Blocked, packed, multi-threaded; AVX-512F / AVX2+FMA / scalar micro-kernel chosen at run time
// (see simd_level.h). Used for the encoder GEMM (A = residual rows x, B = latent-major W_enc).
#pragma once

#include <cstdint>

#include "kernel_status.h"
#include "thread_pool.h"

namespace llama_sae {

/// A: [M, K] with row stride lda >= K; B: [N, K] with row stride ldb >= K;
/// bias: [N] or null; C: [M, N] with row stride ldc >= N (written, never read).
/// pool: null runs on the calling thread.
/// Returns kOk, kErrNullPointer, kErrBadShape (negative sizes or strides too small) or
/// kErrOutOfMemory. M, N or K == 0 is valid (K == 0 writes bias or zeros).
int32_t sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, const float* bias, float* C, int64_t ldc, ThreadPool* pool);

}  // namespace llama_sae
