#include "tiled_gemm.h"

#include <cstring>

namespace llama_sae {
namespace detail {

void pack_panels(const float* src, int64_t ld, int64_t rows, int64_t K, int w, float* dst) {
    const int64_t n_panels = ceil_div(rows, w);
    constexpr int64_t kStep = 16;  // k values per pass: each source row contributes one cache line
    for (int64_t q = 0; q < n_panels; ++q) {
        const int64_t r0 = q * w;
        const int valid = static_cast<int>(std::min<int64_t>(w, rows - r0));
        float* panel = dst + q * w * K;
        if (valid < w) std::memset(panel, 0, sizeof(float) * static_cast<size_t>(w * K));
        for (int64_t k0 = 0; k0 < K; k0 += kStep) {
            const int64_t k1 = std::min(K, k0 + kStep);
            for (int j = 0; j < valid; ++j) {
                const float* s = src + (r0 + j) * ld;
                for (int64_t k = k0; k < k1; ++k) panel[k * w + j] = s[k];
            }
        }
    }
}

AlignedFloats& thread_b_scratch() {
    thread_local AlignedFloats buf;
    return buf;
}

AlignedFloats& thread_p_scratch() {
    thread_local AlignedFloats buf;
    return buf;
}

}  // namespace detail
}  // namespace llama_sae
