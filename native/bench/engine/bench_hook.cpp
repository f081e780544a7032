// Hook overhead against plain llama.cpp, measured in the same process on the same model and the
// same prompts. Every figure is a ratio to the plain forward measured INTERLEAVED with it (plain,
// variant, plain, variant, ...): the median of the per-pair ratios, so a shared machine's drifting
// load hits both sides; medians of the wall times and the pairs' min/max ratio are printed too.
//   bench_hook MODEL.gguf [n_gpu_layers=-1] [prompts=64] [prompt_len=64] [latents=16384] [k=64] [gen_tokens=32]
//              [study_prompts=1495] [sections=prefill,last,sweep,decode,study] [reps=5] [threads=0 (all cores)]
// CPU-time ratios (process CPU seconds, all threads) are printed beside the wall-time ratios: on a busy
// shared machine they track the work done better than wall time (with threads=1 nothing spins).
// prefill: capture every position of every layer | + SAE encode at the last position | at every position.
// last:    capture rows at every position / at position 3 of every block, before (LLAMA_SAE_NO_LAST_LAYER_ROWS=1:
//          captured last-block rows are logits rows, as in unpatched llama.cpp) and after the project's llama.cpp patch.
// sweep:   codes + feature statistics (and + reconstruction sums) at one position (3) of every layer, no rows kept.
// decode:  greedy generation with ablate + scale edits at every layer on every generated token.
// study:   the reference workload's shape (study_prompts prompts x every layer, position 3, capture + encode), one run each.
// Environment: LLAMA_SAE_HOOK=graph runs the hooked contexts with the in-graph hook (CPU models), =callback the
// eval callback (the default); LLAMA_SAE_HOOK_PROFILE=1 makes the CUDA backend print where the hook's time goes.
#include "llama_sae.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::fprintf(stderr, "%s -> %d: %s\n", #call, st_, llama_sae_last_error()); std::exit(1); } } while (0)

namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Comparison {
    double base_ms, variant_ms, ratio, min_ratio, max_ratio, cpu_ratio;
};

// base and variant in turn, after one warm-up of each; ratio = median of variant/base per pair.
Comparison compare(int reps, const std::function<void()> & base, const std::function<void()> & variant) {
    base();
    variant();
    std::vector<double> tb, tv, r, rc;
    for (int i = 0; i < reps; ++i) {
        const double t0 = now_ms(), c0 = cpu_ms();
        base();
        const double t1 = now_ms(), c1 = cpu_ms();
        variant();
        const double t2 = now_ms(), c2 = cpu_ms();
        tb.push_back(t1 - t0);
        tv.push_back(t2 - t1);
        r.push_back((t2 - t1) / (t1 - t0));
        rc.push_back((c2 - c1) / (c1 - c0));
    }
    return {median(tb), median(tv), median(r), *std::min_element(r.begin(), r.end()), *std::max_element(r.begin(), r.end()), median(rc)};
}

void row(const char * what, const Comparison & c) {
    std::printf("| %s | %.2f | %.2f | **%.3f** | %.3f – %.3f | %.3f |\n", what, c.base_ms, c.variant_ms, c.ratio, c.min_ratio, c.max_ratio,
                c.cpu_ratio);
}

const char * kHeader =
    "| | plain ms (median) | variant ms (median) | wall ratio (median of pairs) | min – max | CPU-time ratio (median) |\n|---|---|---|---|---|---|\n";

}  // namespace

int main(int argc, char ** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_hook MODEL.gguf [n_gpu_layers prompts prompt_len latents k gen_tokens study_prompts sections reps]\n");
        return 2;
    }
    const int ngl = argc > 2 ? std::atoi(argv[2]) : -1;
    const int n_prompts = argc > 3 ? std::atoi(argv[3]) : 64;
    const int plen = argc > 4 ? std::atoi(argv[4]) : 64;
    const int F = argc > 5 ? std::atoi(argv[5]) : 16384;
    const int K = argc > 6 ? std::atoi(argv[6]) : 64;
    const int gen = argc > 7 ? std::atoi(argv[7]) : 32;
    const int study = argc > 8 ? std::atoi(argv[8]) : 1495;
    const std::string sections = argc > 9 ? argv[9] : "prefill,last,sweep,decode,study";
    const int reps = argc > 10 ? std::atoi(argv[10]) : 5;
    const int threads = argc > 11 ? std::atoi(argv[11]) : 0;
    auto want = [&](const char * s) { return sections.find(s) != std::string::npos; };

    auto mp = llama_sae_model_default_params();
    mp.n_gpu_layers = ngl;
    llama_sae_model * m = nullptr;
    OK(llama_sae_model_load(argv[1], mp, &m));
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    const int d = info.n_embd, L = info.n_layer;
    std::printf("# bench_hook: %s, %d layers, n_embd %d, vocab %d, n_gpu_layers %d, cuda hook %s\n", info.description, L, d, info.n_vocab,
                ngl, llama_sae_has_cuda() ? "yes" : "no");
    std::printf("# %d prompts x %d tokens per prefill, SAE F=%d k=%d per layer (topk-relu), %d new tokens per generation, %d pairs, "
                "%d threads (0 = all cores)\n\n", n_prompts, plen, F, K, gen, reps, threads);

    std::mt19937 rng(1);
    std::uniform_int_distribution<int> tok(3, std::min(info.n_vocab, 32000) - 1);  // real (not padding) tokens
    auto make_prompts = [&](int n, std::vector<int32_t> & tokens, std::vector<int32_t> & offsets) {
        tokens.clear();
        offsets.assign(1, 0);
        for (int p = 0; p < n; ++p) {
            tokens.push_back(info.bos_token >= 0 ? info.bos_token : 1);
            for (int i = 1; i < plen; ++i) tokens.push_back(tok(rng));
            offsets.push_back((int32_t) tokens.size());
        }
    };
    std::vector<int32_t> tokens, offsets;
    make_prompts(n_prompts, tokens, offsets);

    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> we((size_t) F * d), wd((size_t) F * d), be(F, 0.0f), bd(d, 0.0f);
    for (auto & x : we) x = g(rng) / std::sqrt((float) d);
    for (auto & x : wd) x = g(rng) / std::sqrt((float) d);
    llama_sae_sae * sae = nullptr;
    OK(llama_sae_sae_create({d, F, K, LLAMA_SAE_ACT_TOPK_RELU}, we.data(), be.data(), wd.data(), bd.data(), nullptr, &sae));

    auto make_ctx = [&](bool hook, int n_seq, int n_ctx, bool last_layer_patch = true) {
        if (!last_layer_patch) setenv("LLAMA_SAE_NO_LAST_LAYER_ROWS", "1", 1);
        auto cp = llama_sae_context_default_params();
        cp.n_ctx = n_ctx;
        cp.n_seq_max = n_seq;
        cp.n_pack = n_ctx;
        cp.hook = hook;
        cp.n_threads = threads;
        llama_sae_context * c = nullptr;
        OK(llama_sae_context_init(m, cp, &c));
        unsetenv("LLAMA_SAE_NO_LAST_LAYER_ROWS");
        return c;
    };
    std::vector<int32_t> layers(L);
    for (int i = 0; i < L; ++i) layers[i] = i;
    const int pack_prompts = std::max(1, 2048 / plen);
    int32_t pos_last[] = {-1};
    int32_t pos3[] = {3};
    llama_sae_context * plain = make_ctx(false, pack_prompts, 2048);
    auto prefill = [&](llama_sae_context * c) { OK(llama_sae_context_run(c, tokens.data(), offsets.data(), n_prompts)); };
    auto vs_plain = [&](const char * what, llama_sae_context * c) {
        row(what, compare(reps, [&] { prefill(plain); }, [&] { prefill(c); }));
    };

    if (want("prefill")) {
        llama_sae_context * cap = make_ctx(true, pack_prompts, 2048);
        llama_sae_context * last = make_ctx(true, pack_prompts, 2048);
        llama_sae_context * all = make_ctx(true, pack_prompts, 2048);
        OK(llama_sae_context_set_capture(cap, layers.data(), L, nullptr, 0, true));
        OK(llama_sae_context_set_outputs(cap, LLAMA_SAE_OUTPUT_ROWS, 0));
        OK(llama_sae_context_set_capture(last, layers.data(), L, pos_last, 1, false));
        OK(llama_sae_context_set_capture(all, layers.data(), L, nullptr, 0, true));
        for (int l = 0; l < L; ++l) {
            OK(llama_sae_context_set_sae(last, l, sae, 0));
            OK(llama_sae_context_set_sae(all, l, sae, 0));
        }
        std::printf("## prefill (%d tokens per run)\n\n%s", n_prompts * plen, kHeader);
        vs_plain("capture every position, all layers (rows, no SAE)", cap);
        vs_plain("capture + encode last position, all layers (rows + codes)", last);
        vs_plain("capture + encode every position, all layers (rows + codes)", all);
        std::printf("\n");
        for (llama_sae_context * c : {cap, last, all}) llama_sae_context_free(c);
    }

    if (want("last")) {
        // The last layer's rows: before / after the llama.cpp patch (rows only, no SAE).
        llama_sae_context * every_before = make_ctx(true, pack_prompts, 2048, false);
        llama_sae_context * every_after = make_ctx(true, pack_prompts, 2048, true);
        llama_sae_context * p3_before = make_ctx(true, pack_prompts, 2048, false);
        llama_sae_context * p3_after = make_ctx(true, pack_prompts, 2048, true);
        for (llama_sae_context * c : {every_before, every_after}) OK(llama_sae_context_set_capture(c, layers.data(), L, nullptr, 0, true));
        for (llama_sae_context * c : {p3_before, p3_after}) OK(llama_sae_context_set_capture(c, layers.data(), L, pos3, 1, false));
        for (llama_sae_context * c : {every_before, every_after, p3_before, p3_after}) OK(llama_sae_context_set_outputs(c, LLAMA_SAE_OUTPUT_ROWS, 0));
        std::printf("## capture rows of every block, the last block included: before / after the llama.cpp patch\n\n%s", kHeader);
        vs_plain("every position, before (captured last-block rows are logits rows)", every_before);
        vs_plain("every position, after (the last block keeps them without logits)", every_after);
        vs_plain("position 3, before", p3_before);
        vs_plain("position 3, after", p3_after);
        std::printf("\n");
        for (llama_sae_context * c : {every_before, every_after, p3_before, p3_after}) llama_sae_context_free(c);
    }

    if (want("sweep")) {
        // A sweep's pass: codes + feature statistics at one position of every layer, rows not kept.
        llama_sae_context * codes = make_ctx(true, pack_prompts, 2048);
        llama_sae_context * stats = make_ctx(true, pack_prompts, 2048);
        llama_sae_context * metrics = make_ctx(true, pack_prompts, 2048);
        for (llama_sae_context * c : {codes, stats, metrics}) {
            OK(llama_sae_context_set_capture(c, layers.data(), L, pos3, 1, false));
            for (int l = 0; l < L; ++l) OK(llama_sae_context_set_sae(c, l, sae, 0));
        }
        OK(llama_sae_context_set_outputs(codes, LLAMA_SAE_OUTPUT_CODES, 0));
        OK(llama_sae_context_set_outputs(stats, LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS, 100));
        OK(llama_sae_context_set_outputs(metrics, LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS, 100));
        std::printf("## sweep: position 3 of all %d layers, an SAE per layer, no rows kept\n\n%s", L, kHeader);
        vs_plain("codes", codes);
        vs_plain("codes + feature statistics (top 100)", stats);
        vs_plain("codes + statistics + reconstruction sums", metrics);
        std::printf("\n");
        for (llama_sae_context * c : {codes, stats, metrics}) llama_sae_context_free(c);
    }

    if (want("decode")) {
        const int gen_prompts = std::min(n_prompts, 16);
        llama_sae_context * gplain = make_ctx(false, gen_prompts, gen_prompts * (plen + gen) + 16);
        llama_sae_context * gedit = make_ctx(true, gen_prompts, gen_prompts * (plen + gen) + 16);
        std::vector<llama_sae_edit> edits;
        for (int l = 0; l < L; ++l) {
            OK(llama_sae_context_set_sae(gedit, l, sae, 0));
            edits.push_back({l, 7, LLAMA_SAE_EDIT_SCALE, 2.0f, -1});
            edits.push_back({l, 11, LLAMA_SAE_EDIT_SCALE, 0.0f, -1});
        }
        OK(llama_sae_context_set_edits(gedit, edits.data(), (int32_t) edits.size(), LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, false, true));
        auto gp = llama_sae_generate_default_params();
        gp.max_tokens = gen;
        auto generate = [&](llama_sae_context * c) { OK(llama_sae_context_generate(c, tokens.data(), offsets.data(), gen_prompts, gp)); };
        std::printf("## generation: %d prompts together, prefill included, %d new tokens each\n\n%s", gen_prompts, gen, kHeader);
        row("edits at all layers on every new token", compare(std::max(3, reps / 2), [&] { generate(gplain); }, [&] { generate(gedit); }));
        std::printf("\n");
        llama_sae_context_free(gplain);
        llama_sae_context_free(gedit);
    }

    if (want("study")) {
        std::vector<int32_t> st, so;
        make_prompts(study, st, so);
        llama_sae_context * hooked = make_ctx(true, pack_prompts, 2048);
        OK(llama_sae_context_set_capture(hooked, layers.data(), L, pos3, 1, false));
        for (int l = 0; l < L; ++l) OK(llama_sae_context_set_sae(hooked, l, sae, 0));
        OK(llama_sae_context_set_outputs(hooked, LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS, 100));
        std::printf("## the reference workload's shape: %d prompts x %d tokens, all %d layers, position 3, codes + statistics\n\n%s", study,
                    plen, L, kHeader);
        row("one pass", compare(1, [&] { OK(llama_sae_context_run(plain, st.data(), so.data(), study)); },
                                [&] { OK(llama_sae_context_run(hooked, st.data(), so.data(), study)); }));
        llama_sae_context_free(hooked);
    }

    llama_sae_context_free(plain);
    llama_sae_sae_free(sae);
    llama_sae_model_free(m);
    return 0;
}
