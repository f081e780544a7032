// The encode's chunking of P (src/chunk_plan.h) on the CPU: for many shapes, walking the chunks the
// way encode_impl does covers every (token, latent) exactly once, every chunk starts on a segment
// boundary and ends on one (or at F), a chunk of P fits the budget (or is the one-segment-per-token
// minimum), and the cuBLAS path's GEMM never gets more than max_tokens tokens.
// Build & run: build/cuda/test_chunk_plan
#include <cstdio>
#include <vector>

#include "../src/chunk_plan.h"

int main() {
    const int segment = 4096;
    long shapes = 0, failures = 0;
    for (int T : {1, 2, 7, 8, 16, 33, 511, 512, 513, 1300, 4096})
        for (int F : {64, 3000, 4096, 4196, 16384, 65536, 65537, 131072})
            for (int max_tokens : {0, 512})
                for (long long budget : {1LL << 10, 4LL << 20, 7864320LL, 16LL << 20, 1LL << 30}) {
                    ++shapes;
                    const lsc::ChunkShape c = lsc::chunk_shape(T, F, max_tokens, budget, segment);
                    bool ok = c.Tc >= 1 && c.Fc >= 1 && (max_tokens == 0 || c.Tc <= max_tokens);
                    ok = ok && (F <= segment ? c.Fc == F : c.Fc % segment == 0);
                    ok = ok && ((long long)c.Tc * c.Fc <= budget || c.Fc == segment || c.Fc == F);
                    std::vector<int> latent_hits(F, 0);
                    long long token_hits = 0;
                    for (int t0 = 0; ok && t0 < T; t0 += c.Tc) {
                        const int t1 = t0 + c.Tc < T ? t0 + c.Tc : T;
                        token_hits += t1 - t0;
                        for (int f0 = 0; f0 < F; f0 += c.Fc) {
                            const int f1 = f0 + c.Fc < F ? f0 + c.Fc : F;
                            ok = ok && f0 % segment == 0 && (f1 == F || f1 % segment == 0);
                            if (t0 == 0)
                                for (int f = f0; f < f1; ++f) ++latent_hits[f];
                        }
                    }
                    for (int f = 0; ok && f < F; ++f) ok = latent_hits[f] == 1;
                    ok = ok && token_hits == T;
                    if (!ok) {
                        if (failures < 5)
                            std::printf("FAIL T=%d F=%d max_tokens=%d budget=%lld -> Tc=%d Fc=%d\n", T, F, max_tokens, budget, c.Tc, c.Fc);
                        ++failures;
                    }
                }
    std::printf("%ld shapes, %ld failures\n", shapes, failures);
    return failures ? 1 : 0;
}
