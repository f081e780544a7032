#include "sgemm.h"

#include <new>

#include "tiled_gemm.h"

namespace llama_sae {

namespace {

// Copies finished tiles into C, adding the bias.
struct StoreSink {
    const float* bias;
    float* C;
    int64_t ldc;

    void begin_super(int64_t, int64_t, int) {}
    void end_super(int64_t, int64_t, int) {}
    void consume(int, int64_t row0, int rows, int64_t col0, int cols, const float* tile,
                 int64_t ldt) {
        for (int r = 0; r < rows; ++r) {
            float* c = C + (row0 + r) * ldc + col0;
            const float* t = tile + r * ldt;
            if (bias) {
                const float* b = bias + col0;
                for (int j = 0; j < cols; ++j) c[j] = t[j] + b[j];
            } else {
                for (int j = 0; j < cols; ++j) c[j] = t[j];
            }
        }
    }
};

}  // namespace

int32_t sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, const float* bias, float* C, int64_t ldc, ThreadPool* pool) {
    if (M < 0 || N < 0 || K < 0) return kErrBadShape;
    if (M == 0 || N == 0) return kOk;
    if (!C || (K > 0 && (!A || !B))) return kErrNullPointer;
    if (ldc < N || (K > 0 && (lda < K || ldb < K))) return kErrBadShape;
    if (K == 0) {
        for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = bias ? bias[j] : 0.0f;
        return kOk;
    }
    StoreSink sink{bias, C, ldc};
    bool ok;
    try {
        ok = detail::tiled_gemm(A, lda, B, ldb, M, N, K, /*max_super_rows=*/1536, pool,
                                detail::active_micro_kernel(), sink);
    } catch (const std::bad_alloc&) {
        ok = false;
    }
    return ok ? kOk : kErrOutOfMemory;
}

}  // namespace llama_sae
