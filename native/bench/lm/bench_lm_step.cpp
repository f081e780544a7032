// Training throughput of the hand-written LLaMA trainer: one step = forward + backward + AdamW
// over a ragged batch. Prints tokens/s and the GFLOP/s that implies (6 FLOPs per weight per
// token for the matrix products, plus attention), with the time split forward vs total.
//
//   build/native/native/bench_lm_step [n_embd n_layer n_head n_ff n_vocab seqs seq_len reps threads]
//   default: 128 4 4 352 400 64 64 7 0 (0 threads = all cores)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "lm_adamw.h"
#include "lm_graph.h"

using namespace llama_sae;
using namespace llama_sae::lm;

int main(int argc, char** argv) {
    auto arg = [&](int i, int def) { return argc > i ? std::atoi(argv[i]) : def; };
    LmConfig c;
    c.n_embd = arg(1, 128);
    c.n_layer = arg(2, 4);
    c.n_head = arg(3, 4);
    c.n_ff = arg(4, 352);
    c.n_vocab = arg(5, 400);
    const int seqs = arg(6, 64), len = arg(7, 64), reps = arg(8, 7), threads = arg(9, 0);
    c.n_ctx = len;
    ThreadPool pool(threads);
    LmGraph<float> g(c, &pool);
    const LmLayout& layout = g.layout();
    std::vector<float> w(static_cast<size_t>(layout.total())), grad(w.size()), m(w.size()), v(w.size());
    uint64_t s = 1;
    auto rnd = [&] { s = s * 6364136223846793005ull + 1442695040888963407ull; return static_cast<uint32_t>(s >> 33); };
    for (const TensorSlot& t : layout.tensors())
        for (int64_t i = 0; i < t.size(); ++i) w[t.offset + i] = t.is_matrix() ? (rnd() % 2001 - 1000) * 2e-5f : 1.0f;
    std::vector<int32_t> tokens, offsets{0};
    std::vector<float> weights;
    for (int q = 0; q < seqs; ++q) {
        for (int t = 0; t < len; ++t) {
            tokens.push_back(static_cast<int32_t>(rnd() % c.n_vocab));
            weights.push_back(t == 0 ? 0.0f : 1.0f);
        }
        offsets.push_back(static_cast<int32_t>(tokens.size()));
    }
    const Batch b{tokens.data(), offsets.data(), seqs};
    AdamWParams p;
    std::vector<double> step_ms, fwd_ms, step_cpu_ms;
    // CPU time of the whole process (all threads): on a shared machine the stable figure
    auto cpu_ms = [] {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
    };
    for (int r = 0; r <= reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        g.loss(w.data(), b, weights.data(), nullptr, nullptr);
        auto t1 = std::chrono::steady_clock::now();
        const double c1 = cpu_ms();
        g.loss(w.data(), b, weights.data(), grad.data(), nullptr);
        p.step = r + 1;
        adamw_step(w.data(), grad.data(), m.data(), v.data(), layout, p, &pool);
        auto t2 = std::chrono::steady_clock::now();
        const double c2 = cpu_ms();
        if (r == 0) continue;  // warm-up
        step_cpu_ms.push_back(c2 - c1);
        fwd_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        step_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    std::sort(step_ms.begin(), step_ms.end());
    std::sort(fwd_ms.begin(), fwd_ms.end());
    std::sort(step_cpu_ms.begin(), step_cpu_ms.end());
    const double cmed = step_cpu_ms[step_cpu_ms.size() / 2];
    const double med = step_ms[step_ms.size() / 2], fmed = fwd_ms[fwd_ms.size() / 2];
    const double n_tok = static_cast<double>(seqs) * len;
    const double d = c.n_embd, ff = c.n_ff;
    const double mat_params = c.n_layer * (4 * d * d + 3 * d * ff) + c.n_vocab * d;  // GEMM weights
    const double attn = c.n_layer * 2.0 * 2.0 * (len / 2.0) * d;                       // q.k and p.v per token, causal
    const double flops = n_tok * (6 * mat_params + 3 * attn);
    std::printf("config: n_embd=%d n_layer=%d n_head=%d n_ff=%d n_vocab=%d params=%lld; batch %d x %d tokens; %d threads\n",
                c.n_embd, c.n_layer, c.n_head, c.n_ff, c.n_vocab, static_cast<long long>(layout.total()), seqs, len, pool.size());
    std::printf("step (fwd+bwd+AdamW) median %.1f ms [min %.1f, max %.1f] over %d reps: %.0f tokens/s, %.1f GFLOP/s\n", med,
                step_ms.front(), step_ms.back(), reps, n_tok / med * 1e3, flops / med * 1e-6);
    std::printf("step CPU time (all threads) median %.1f ms: %.0f tokens per CPU-second, %.1f GFLOP per CPU-second\n", cmed,
                n_tok / cmed * 1e3, flops / cmed * 1e-6);
    // fingerprint of the weights after all steps: equal across builds that compute the same thing bit for bit
    uint64_t h = 1469598103934665603ull;
    for (float x : w) {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        h = (h ^ u) * 1099511628211ull;
    }
    std::printf("weights fingerprint after %d steps: %016llx\n", reps + 1, static_cast<unsigned long long>(h));
    std::printf("forward only median %.1f ms (%.0f%% of a step)\n", fmed, 100.0 * fmed / med);
    return 0;
}
