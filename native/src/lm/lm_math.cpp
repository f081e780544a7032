#include "lm_math.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "sgemm.h"

namespace llama_sae {
namespace lm {

void gemm_abt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
              float* C, int64_t ldc, ThreadPool* pool) {
    const int32_t st = sgemm(M, N, K, A, lda, B, ldb, nullptr, C, ldc, pool);
    if (st != kOk) throw std::runtime_error(std::string("sgemm failed: ") + status_message(st));
}

void gemm_abt(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B, int64_t ldb,
              double* C, int64_t ldc, ThreadPool* pool) {
    parallel_for(pool, M, [&](int64_t i, int) {
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < K; ++k) acc += A[i * lda + k] * B[j * ldb + k];
            C[i * ldc + j] = acc;
        }
    });
}

int64_t transposed_stride(int64_t n_rows) {
    int64_t ld = (n_rows + 15) / 16 * 16;
    if ((ld / 16) % 2 == 0) ld += 16;
    return ld;
}

template <class T>
void transpose(const T* src, int64_t rows, int64_t cols, int64_t ld_src, T* dst, int64_t ld_dst, ThreadPool* pool) {
    constexpr int64_t kBlock = 32;
    const int64_t row_blocks = (rows + kBlock - 1) / kBlock;
    parallel_for(pool, row_blocks, [&](int64_t rb, int) {
        const int64_t r0 = rb * kBlock, r1 = std::min(rows, r0 + kBlock);
        for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
            const int64_t c1 = std::min(cols, c0 + kBlock);
            // the source tile (32 x 32) stays in L1; destination rows are written contiguously
            for (int64_t c = c0; c < c1; ++c)
                for (int64_t r = r0; r < r1; ++r) dst[c * ld_dst + r] = src[r * ld_src + c];
        }
    });
}

template <class T>
void weight_grad(int64_t M, int64_t N, int64_t n_rows, const T* dYt, const T* Xt, int64_t ld, T* dW,
                 std::vector<T>& partial, ThreadPool* pool) {
    // dW is small ([out, in]) and the sum runs over many rows: one GEMM would give the pool only
    // one or two tiles to share, so the rows are sliced instead (at least 256 rows a slice).
    const int64_t slices = std::max<int64_t>(1, std::min<int64_t>(4, n_rows / 256));
    if (slices == 1) {
        gemm_abt(M, N, n_rows, dYt, ld, Xt, ld, dW, N, pool);
        return;
    }
    partial.resize(static_cast<size_t>(slices * M * N));
    parallel_for(pool, slices, [&](int64_t s, int) {
        const int64_t k0 = n_rows * s / slices, k1 = n_rows * (s + 1) / slices;
        gemm_abt(M, N, k1 - k0, dYt + k0, ld, Xt + k0, ld, partial.data() + s * M * N, N, nullptr);
    });
    parallel_for(pool, M, [&](int64_t i, int) {
        T* out = dW + i * N;
        for (int64_t j = 0; j < N; ++j) out[j] = partial[static_cast<size_t>(i * N + j)];
        for (int64_t s = 1; s < slices; ++s) {
            const T* p = partial.data() + s * M * N + i * N;
            for (int64_t j = 0; j < N; ++j) out[j] += p[j];
        }
    });
}

template void transpose<float>(const float*, int64_t, int64_t, int64_t, float*, int64_t, ThreadPool*);
template void transpose<double>(const double*, int64_t, int64_t, int64_t, double*, int64_t, ThreadPool*);
template void weight_grad<float>(int64_t, int64_t, int64_t, const float*, const float*, int64_t, float*, std::vector<float>&, ThreadPool*);
template void weight_grad<double>(int64_t, int64_t, int64_t, const double*, const double*, int64_t, double*, std::vector<double>&,
                                  ThreadPool*);

}  // namespace lm
}  // namespace llama_sae
