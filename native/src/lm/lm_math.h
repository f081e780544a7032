// Dense building blocks of the trainer, for float (the fast path: the project's packed SGEMM)
// and double (the reference the gradient checks run in: plain loops). Everything here is
// deterministic: each output element is produced by one fixed sequence of operations, whatever
// the number of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "thread_pool.h"

namespace llama_sae {
namespace lm {

/// C[M,N] = A[M,K] . B[N,K]^T (row-major, leading dimensions lda/ldb/ldc). Float runs the
/// project's multi-threaded SGEMM; double runs a plain triple loop (reference only).
void gemm_abt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
              float* C, int64_t ldc, ThreadPool* pool);
void gemm_abt(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B, int64_t ldb,
              double* C, int64_t ldc, ThreadPool* pool);

/// dst[cols, rows] = src[rows, cols]^T (src row stride ld_src, dst row stride ld_dst >= rows).
template <class T>
void transpose(const T* src, int64_t rows, int64_t cols, int64_t ld_src, T* dst, int64_t ld_dst, ThreadPool* pool);

/// Row stride for a transposed activation of n_rows rows: a multiple of 16 floats (64 bytes) but
/// an odd one, so that the rows of a tile do not all fall into the same cache sets (a stride of
/// exactly 4096 floats made the transposes 3x slower).
int64_t transposed_stride(int64_t n_rows);

/// Weight gradient dW[M,N] = sum_n dYt[M, n] * Xt[N, n] over n_rows rows, with dYt [M, ld] and
/// Xt [N, ld] the transposed activations (row stride ld). The row range is cut into a fixed
/// number of slices (a function of n_rows only) that run in parallel and are summed in order, so
/// the result does not depend on the thread count; `partial` is scratch.
template <class T>
void weight_grad(int64_t M, int64_t N, int64_t n_rows, const T* dYt, const T* Xt, int64_t ld, T* dW,
                 std::vector<T>& partial, ThreadPool* pool);

}  // namespace lm
}  // namespace llama_sae
