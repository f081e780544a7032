// sgemm vs a double-precision naive reference on every SIMD level, odd shapes, strides, bias.
#include <cstring>
#include <limits>
#include <vector>

#include "check.h"
#include "sgemm.h"
#include "simd_level.h"

using namespace llama_sae;

static void check_shape(int64_t M, int64_t N, int64_t K, int64_t pad, bool with_bias, ThreadPool* pool,
                        kt::Rng& rng) {
    const int64_t lda = K + pad, ldb = K + pad, ldc = N + pad;
    std::vector<float> A = rng.vec(static_cast<size_t>(M * lda), 1.0f);
    std::vector<float> B = rng.vec(static_cast<size_t>(N * ldb), 1.0f);
    std::vector<float> bias = rng.vec(static_cast<size_t>(N), 1.0f);
    const float poison = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> C(static_cast<size_t>(M * ldc), poison);
    const int32_t st = sgemm(M, N, K, A.data(), lda, B.data(), ldb, with_bias ? bias.data() : nullptr,
                             C.data(), ldc, pool);
    KT_CHECK(st == kOk, "status %d", st);
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < ldc; ++j) {
            const float got = C[static_cast<size_t>(i * ldc + j)];
            if (j >= N) {  // stride padding must stay untouched
                KT_CHECK(std::isnan(got), "padding C[%lld][%lld] written", (long long)i, (long long)j);
                continue;
            }
            double ref = with_bias ? bias[static_cast<size_t>(j)] : 0.0, mag = std::fabs(ref);
            for (int64_t p = 0; p < K; ++p) {
                const double t = double(A[static_cast<size_t>(i * lda + p)]) * B[static_cast<size_t>(j * ldb + p)];
                ref += t;
                mag += std::fabs(t);
            }
            KT_CHECK(kt::close(got, ref, 1e-6 * mag + 1e-30, 0.0),
                     "%s M=%lld N=%lld K=%lld C[%lld][%lld] got %.9g ref %.9g",
                     simd_level_name(active_simd_level()), (long long)M, (long long)N, (long long)K,
                     (long long)i, (long long)j, got, ref);
        }
    }
}

int main() {
    kt::Rng rng(7);
    ThreadPool pool3(3);
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (!force_simd_level(level)) {
            std::printf("skip %s: not supported by this CPU\n", simd_level_name(level));
            continue;
        }
        check_shape(1, 1, 1, 0, true, nullptr, rng);
        check_shape(13, 37, 29, 3, true, nullptr, rng);
        check_shape(200, 300, 517, 0, false, &pool3, rng);   // several K slices, row blocks, tiles
        check_shape(7, 129, 8, 5, true, &pool3, rng);        // one column past a tile
        check_shape(385, 64, 33, 0, true, &pool3, rng);      // rows past two row blocks
    }
    clear_forced_simd_level();
    // Invalid arguments.
    std::vector<float> a(16, 1.0f), c(16, -7.0f);
    KT_CHECK(sgemm(-1, 2, 2, a.data(), 2, a.data(), 2, nullptr, c.data(), 2, nullptr) == kErrBadShape, "M<0");
    KT_CHECK(sgemm(2, 2, 2, nullptr, 2, a.data(), 2, nullptr, c.data(), 2, nullptr) == kErrNullPointer, "A null");
    KT_CHECK(sgemm(2, 2, 2, a.data(), 2, a.data(), 2, nullptr, nullptr, 2, nullptr) == kErrNullPointer, "C null");
    KT_CHECK(sgemm(2, 3, 2, a.data(), 2, a.data(), 2, nullptr, c.data(), 2, nullptr) == kErrBadShape, "ldc<N");
    KT_CHECK(sgemm(2, 2, 3, a.data(), 2, a.data(), 3, nullptr, c.data(), 2, nullptr) == kErrBadShape, "lda<K");
    for (float v : c) KT_CHECK(v == -7.0f, "C written on error");
    // K == 0: C = bias.
    const float bias[2] = {1.5f, -2.0f};
    KT_CHECK(sgemm(2, 2, 0, nullptr, 0, nullptr, 0, bias, c.data(), 2, nullptr) == kOk, "K=0");
    KT_CHECK(c[0] == 1.5f && c[1] == -2.0f && c[2] == 1.5f && c[3] == -2.0f, "K=0 gives bias");
    return kt::finish("test_sgemm");
}
