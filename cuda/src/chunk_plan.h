// How the encode walks the pre-activation block P: chunks of [Tc tokens] x [Fc latents] are scored
// (written) and selected (read) one after the other, so one chunk's P is the only P in memory and,
// on the cuBLAS path, still in L2 when the selection reads it. Host-only (tested on the CPU by
// test/test_chunk_plan.cpp): the chunks cover every (token, latent) exactly once, and a chunk never
// splits a selection segment (Fc is a multiple of the segment unless one chunk holds every latent).
#pragma once

#include <algorithm>
#include <cstdint>

namespace lsc {

struct ChunkShape {
    int Tc = 0;  // tokens per chunk (the last one may hold fewer)
    int Fc = 0;  // latents per chunk (the last one may hold fewer); also P's row stride
};

// T tokens, F latents; max_tokens > 0 caps Tc (cuBLAS path: the GEMM's n), 0 = all tokens in one
// chunk; budget = f32 elements one chunk of P may hold (at least one segment per token is used).
inline ChunkShape chunk_shape(int T, int F, int max_tokens, int64_t budget, int segment) {
    ChunkShape c;
    c.Tc = max_tokens > 0 ? std::min(T, max_tokens) : T;
    if (F <= segment) {
        c.Fc = F;
    } else {
        const int64_t fc = std::max<int64_t>(segment, budget / std::max(c.Tc, 1) / segment * segment);
        const int64_t all = (int64_t)(F + segment - 1) / segment * segment;
        c.Fc = (int)std::min<int64_t>(fc, all);
    }
    return c;
}

}  // namespace lsc
