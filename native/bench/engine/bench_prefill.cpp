// Plain llama.cpp prefill through the engine (no hook), to compare CPU backends and builds:
//   bench_prefill MODEL.gguf [prompts=16] [prompt_len=128] [reps=7] [threads=0]
// Prints the engine's version line (the CPU features of the backend in use) and the median wall
// time of one batched prefill. Uses only functions every build of the C API has, so the same
// binary can run against an older build's libraries (LD_LIBRARY_PATH), and LLAMA_SAE_BACKEND_DIR
// can pin one CPU variant (a folder holding only that libggml-cpu-*.so).
#include "llama_sae.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::fprintf(stderr, "%s -> %d: %s\n", #call, st_, llama_sae_last_error()); return 1; } } while (0)

int main(int argc, char ** argv) {
    if (argc < 2) { std::fprintf(stderr, "usage: bench_prefill MODEL.gguf [prompts prompt_len reps threads]\n"); return 2; }
    const int n_prompts = argc > 2 ? std::atoi(argv[2]) : 16;
    const int plen = argc > 3 ? std::atoi(argv[3]) : 128;
    const int reps = argc > 4 ? std::atoi(argv[4]) : 7;
    const int threads = argc > 5 ? std::atoi(argv[5]) : 0;
    llama_sae_model * m = nullptr;
    OK(llama_sae_model_load(argv[1], llama_sae_model_default_params(), &m));
    llama_sae_model_info info{};
    OK(llama_sae_model_get_info(m, &info));
    std::printf("# %s\n# model: %s, %d layers, n_embd %d; %d prompts x %d tokens per prefill, threads %d\n", llama_sae_version(),
                info.description, info.n_layer, info.n_embd, n_prompts, plen, threads);
    auto cp = llama_sae_context_default_params();
    cp.hook = false;
    cp.n_ctx = n_prompts * plen;
    cp.n_pack = n_prompts * plen;
    cp.n_seq_max = n_prompts;
    cp.n_threads = threads;
    llama_sae_context * c = nullptr;
    OK(llama_sae_context_init(m, cp, &c));
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> tok(3, info.n_vocab - 1);
    std::vector<int32_t> tokens, offsets{0};
    for (int p = 0; p < n_prompts; ++p) {
        for (int i = 0; i < plen; ++i) tokens.push_back(tok(rng));
        offsets.push_back((int32_t) tokens.size());
    }
    std::vector<double> ms;
    for (int r = 0; r <= reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        OK(llama_sae_context_run(c, tokens.data(), offsets.data(), n_prompts));
        const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0) ms.push_back(t);  // the first run warms up
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    std::printf("prefill_ms_median %.2f min %.2f max %.2f tokens_per_s %.0f\n", med, ms.front(), ms.back(), n_prompts * plen / med * 1000.0);
    llama_sae_context_free(c);
    llama_sae_model_free(m);
    return 0;
}
