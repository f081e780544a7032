#include "tiled_gemm.h"

#include <cstring>

namespace llama_sae {
namespace detail {

void pack_panels(const float* src, int64_t ld, int64_t rows, int64_t K, int w, float* dst) {
    // Each source row is read front to back (one sequential stream the hardware prefetcher
    // follows, which matters when W_enc comes from DRAM); the strided writes land in the panel,
    // which is small enough (w*K floats) to stay in L2.
    const int64_t n_panels = ceil_div(rows, w);
    for (int64_t q = 0; q < n_panels; ++q) {
        const int64_t r0 = q * w;
        const int valid = static_cast<int>(std::min<int64_t>(w, rows - r0));
        float* panel = dst + q * w * K;
        if (valid < w) std::memset(panel, 0, sizeof(float) * static_cast<size_t>(w * K));
        for (int j = 0; j < valid; ++j) {
            const float* s = src + (r0 + j) * ld;
            float* o = panel + j;
            for (int64_t k = 0; k < K; ++k) o[k * w] = s[k];
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
