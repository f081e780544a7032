// Hook overhead against plain llama.cpp, measured in the same process on the same model
// (wall time, median of repetitions, everything synchronized):
//   bench_hook MODEL.gguf [n_gpu_layers=-1] [prompts=64] [prompt_len=64] [latents=16384] [k=64] [gen_tokens=32] [study_prompts=1495]
// Prefill: plain | capture the last position of every layer + SAE encode there | every position of every layer + encode.
// Last layer: capture at every position / at position 3 of every block, before (LLAMA_SAE_NO_LAST_LAYER_ROWS=1: the
//   captured last-block rows are logits rows, as in unpatched llama.cpp) and after the project's llama.cpp patch.
// Sweep: codes + feature statistics at one position (3) of every layer, rows not kept, vs the plain forward.
// Decode: plain greedy generation | ablate + scale edits at every layer on every generated token.
// Study: the reference workload shape (study_prompts prompts x every layer, one position, capture + encode).
#include "llama_sae.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::fprintf(stderr, "%s -> %d: %s\n", #call, st_, llama_sae_last_error()); std::exit(1); } } while (0)

static double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class Fn>
static double median_ms(int reps, Fn && fn) {
    fn();  // warm-up
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const double t0 = now_ms();
        fn();
        t.push_back(now_ms() - t0);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

int main(int argc, char ** argv) {
    if (argc < 2) { std::fprintf(stderr, "usage: bench_hook MODEL.gguf [n_gpu_layers prompts prompt_len latents k gen_tokens study_prompts]\n"); return 2; }
    const int ngl = argc > 2 ? std::atoi(argv[2]) : -1;
    const int n_prompts = argc > 3 ? std::atoi(argv[3]) : 64;
    const int plen = argc > 4 ? std::atoi(argv[4]) : 64;
    const int F = argc > 5 ? std::atoi(argv[5]) : 16384;
    const int K = argc > 6 ? std::atoi(argv[6]) : 64;
    const int gen = argc > 7 ? std::atoi(argv[7]) : 32;
    const int study = argc > 8 ? std::atoi(argv[8]) : 1495;

    auto mp = llama_sae_model_default_params();
    mp.n_gpu_layers = ngl;
    llama_sae_model * m = nullptr;
    OK(llama_sae_model_load(argv[1], mp, &m));
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    const int d = info.n_embd, L = info.n_layer;
    std::printf("# bench_hook: %s, %d layers, n_embd %d, n_gpu_layers %d, cuda hook %s\n", info.description, L, d, ngl,
                llama_sae_has_cuda() ? "yes" : "no");
    std::printf("# %d prompts x %d tokens per prefill, SAE F=%d k=%d per layer (topk-relu), %d new tokens per generation\n\n", n_prompts,
                plen, F, K, gen);

    std::mt19937 rng(1);
    std::uniform_int_distribution<int> tok(3, info.n_vocab - 1);
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
        llama_sae_context * c = nullptr;
        OK(llama_sae_context_init(m, cp, &c));
        unsetenv("LLAMA_SAE_NO_LAST_LAYER_ROWS");
        return c;
    };
    std::vector<int32_t> layers(L);
    for (int i = 0; i < L; ++i) layers[i] = i;
    const int pack_prompts = std::max(1, 2048 / plen);

    // ---- prefill ----
    llama_sae_context * plain = make_ctx(false, pack_prompts, 2048);
    llama_sae_context * last = make_ctx(true, pack_prompts, 2048);
    llama_sae_context * all = make_ctx(true, pack_prompts, 2048);
    llama_sae_context * cap = make_ctx(true, pack_prompts, 2048);
    OK(llama_sae_context_set_capture(cap, layers.data(), L, nullptr, 0, true));
    int32_t pos_last[] = {-1};
    OK(llama_sae_context_set_capture(last, layers.data(), L, pos_last, 1, false));
    OK(llama_sae_context_set_capture(all, layers.data(), L, nullptr, 0, true));
    for (int l = 0; l < L; ++l) {
        OK(llama_sae_context_set_sae(last, l, sae, 0));
        OK(llama_sae_context_set_sae(all, l, sae, 0));
    }
    auto prefill = [&](llama_sae_context * c) { OK(llama_sae_context_run(c, tokens.data(), offsets.data(), n_prompts)); };
    const double t_plain = median_ms(5, [&] { prefill(plain); });
    const double t_cap = median_ms(5, [&] { prefill(cap); });
    const double t_last = median_ms(5, [&] { prefill(last); });
    const double t_all = median_ms(5, [&] { prefill(all); });
    const double ntok = (double) n_prompts * plen;
    std::printf("| prefill | ms | tokens/s | time vs plain |\n|---|---|---|---|\n");
    std::printf("| plain llama.cpp | %.2f | %.0f | 1.000 |\n", t_plain, ntok / t_plain * 1e3);
    std::printf("| capture every position, all %d layers (no SAE) | %.2f | %.0f | %.3f |\n", L, t_cap, ntok / t_cap * 1e3, t_cap / t_plain);
    std::printf("| capture + encode last position, all %d layers | %.2f | %.0f | %.3f |\n", L, t_last, ntok / t_last * 1e3, t_last / t_plain);
    std::printf("| capture + encode every position, all %d layers | %.2f | %.0f | %.3f |\n\n", L, t_all, ntok / t_all * 1e3, t_all / t_plain);

    // ---- the last layer's rows: before / after the llama.cpp patch (rows only, no SAE) ----
    int32_t pos3[] = {3};
    llama_sae_context * every_before = make_ctx(true, pack_prompts, 2048, false);
    llama_sae_context * every_after = make_ctx(true, pack_prompts, 2048, true);
    llama_sae_context * p3_before = make_ctx(true, pack_prompts, 2048, false);
    llama_sae_context * p3_after = make_ctx(true, pack_prompts, 2048, true);
    for (llama_sae_context * c : {every_before, every_after}) OK(llama_sae_context_set_capture(c, layers.data(), L, nullptr, 0, true));
    for (llama_sae_context * c : {p3_before, p3_after}) OK(llama_sae_context_set_capture(c, layers.data(), L, pos3, 1, false));
    for (llama_sae_context * c : {every_before, every_after, p3_before, p3_after}) {
        OK(llama_sae_context_set_outputs(c, LLAMA_SAE_OUTPUT_ROWS, 0));
    }
    const double t_plain2 = median_ms(5, [&] { prefill(plain); });
    const double t_eb = median_ms(5, [&] { prefill(every_before); });
    const double t_ea = median_ms(5, [&] { prefill(every_after); });
    const double t_pb = median_ms(5, [&] { prefill(p3_before); });
    const double t_pa = median_ms(5, [&] { prefill(p3_after); });
    std::printf("| capture rows (no SAE), last block included | before: ms | vs plain | after: ms | vs plain |\n|---|---|---|---|---|\n");
    std::printf("| every position of all %d blocks | %.2f | %.3f | %.2f | %.3f |\n", L, t_eb, t_eb / t_plain2, t_ea, t_ea / t_plain2);
    std::printf("| position 3 of every block | %.2f | %.3f | %.2f | %.3f |\n", t_pb, t_pb / t_plain2, t_pa, t_pa / t_plain2);
    std::printf("(plain llama.cpp in the same run: %.2f ms)\n\n", t_plain2);
    for (llama_sae_context * c : {every_before, every_after, p3_before, p3_after}) llama_sae_context_free(c);

    // ---- sweep shape: codes + feature statistics at one position of every layer, rows not kept ----
    llama_sae_context * sweep = make_ctx(true, pack_prompts, 2048);
    OK(llama_sae_context_set_capture(sweep, layers.data(), L, pos3, 1, false));
    for (int l = 0; l < L; ++l) OK(llama_sae_context_set_sae(sweep, l, sae, 0));
    OK(llama_sae_context_set_outputs(sweep, LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS, 100));
    std::vector<double> ratios;
    double t_sweep = 0, t_sweep_plain = 0;
    prefill(sweep);  // warm-up
    for (int rep = 0; rep < 7; ++rep) {  // interleaved, so load changes hit both sides
        const double a0 = now_ms();
        prefill(plain);
        const double a1 = now_ms();
        prefill(sweep);
        const double a2 = now_ms();
        ratios.push_back((a2 - a1) / (a1 - a0));
        t_sweep_plain += a1 - a0;
        t_sweep += a2 - a1;
    }
    std::sort(ratios.begin(), ratios.end());
    std::printf("| sweep: codes + statistics at position 3 of all %d layers (no rows kept) | ms (mean of 7) | median ratio to plain |\n|---|---|---|\n", L);
    std::printf("| plain llama.cpp forward | %.2f | 1.000 |\n", t_sweep_plain / 7);
    std::printf("| sweep pass | %.2f | %.3f (min %.3f, max %.3f) |\n\n", t_sweep / 7, ratios[3], ratios.front(), ratios.back());
    llama_sae_context_free(sweep);

    // ---- decode ----
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
    int64_t produced = 0;
    auto generate = [&](llama_sae_context * c) {
        OK(llama_sae_context_generate(c, tokens.data(), offsets.data(), gen_prompts, gp));
        produced = 0;
        for (int p = 0; p < gen_prompts; ++p) { int32_t n = 0; llama_sae_generated_tokens(c, p, &n); produced += n; }
    };
    const double g_plain = median_ms(3, [&] { generate(gplain); });
    const int64_t produced_plain = produced;
    const double g_edit = median_ms(3, [&] { generate(gedit); });
    std::printf("| generation (%d prompts together, prefill included) | ms | new tokens | time vs plain |\n|---|---|---|---|\n", gen_prompts);
    std::printf("| plain llama.cpp | %.2f | %lld | 1.000 |\n", g_plain, (long long) produced_plain);
    std::printf("| edits at all %d layers on every new token | %.2f | %lld | %.3f |\n\n", L, g_edit, (long long) produced, g_edit / g_plain);

    // ---- the reference study's workload shape ----
    std::vector<int32_t> st, so;
    const int saved = plen;
    make_prompts(study, st, so);
    (void) saved;
    OK(llama_sae_context_set_capture(last, layers.data(), L, pos3, 1, false));
    const double t0 = now_ms();
    OK(llama_sae_context_run(last, st.data(), so.data(), study));
    const double t_study = now_ms() - t0;
    const double p0 = now_ms();
    OK(llama_sae_context_run(plain, st.data(), so.data(), study));
    const double t_study_plain = now_ms() - p0;
    std::printf("| study workload: %d prompts x %d tokens, all %d layers, position 3, capture + encode | ms |\n|---|---|\n", study, plen, L);
    std::printf("| with the hook | %.1f |\n| plain llama.cpp forward | %.1f |\n", t_study, t_study_plain);

    llama_sae_context_free(plain); llama_sae_context_free(last); llama_sae_context_free(all); llama_sae_context_free(cap);
    llama_sae_context_free(gplain); llama_sae_context_free(gedit);
    llama_sae_sae_free(sae);
    llama_sae_model_free(m);
    return 0;
}
