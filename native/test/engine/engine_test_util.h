// Shared by the engine tests: the shared tiny model (or a skip) and tokenized prompts.
#pragma once

#include "llama_sae.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <random>
#include <sys/stat.h>
#include <vector>

// Path of ../shared/models/llama-2-tiny-random.gguf (LLAMA_SAE_SHARED overrides ../shared); exits
// with 77 (CTest: skipped) when it is absent.
inline std::string tiny_model_or_skip() {
    const char * shared = std::getenv("LLAMA_SAE_SHARED");
    const std::string path = std::string(shared ? shared : "../shared") + "/models/llama-2-tiny-random.gguf";
    struct stat st{};
    if (stat(path.c_str(), &st) != 0) {
        std::printf("skipped: %s absent\n", path.c_str());
        std::exit(77);
    }
    return path;
}

// Tokenizes texts (with BOS) into the engine's packed form: tokens, offsets [n + 1].
inline void tokenize_all(llama_sae_model * m, std::initializer_list<const char *> texts, std::vector<int32_t> & tokens,
                         std::vector<int32_t> & offsets) {
    tokens.clear();
    offsets.assign(1, 0);
    for (const char * text : texts) {
        std::vector<int32_t> t(256);
        int32_t n = 0;
        if (llama_sae_tokenize(m, text, (int32_t) std::strlen(text), true, t.data(), (int32_t) t.size(), &n) != LLAMA_SAE_OK) {
            std::printf("tokenize failed: %s\n", llama_sae_last_error());
            std::exit(1);
        }
        tokens.insert(tokens.end(), t.begin(), t.begin() + n);
        offsets.push_back((int32_t) tokens.size());
    }
}

// A random Top-K (relu) SAE: W_enc and W_dec ~ N(0, 1/d), b_enc ~ N(0, bias_scale^2), b_dec = 0,
// drawn in that order from mt19937(seed). The weights stay here for references.
struct RandomSae {
    std::vector<float> we, wd, be, bd;
    llama_sae_sae * sae = nullptr;
    ~RandomSae() { llama_sae_sae_free(sae); }
};

inline void make_random_sae(RandomSae & r, int32_t d, int32_t F, int32_t K, unsigned seed, float bias_scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    r.we.resize((size_t) F * d);
    r.wd.resize((size_t) F * d);
    r.be.resize(F);
    r.bd.assign(d, 0.0f);
    for (auto & x : r.we) x = g(rng) / std::sqrt((float) d);
    for (auto & x : r.wd) x = g(rng) / std::sqrt((float) d);
    for (auto & x : r.be) x = bias_scale * g(rng);
    llama_sae_sae_params sp{d, F, K, LLAMA_SAE_ACT_TOPK_RELU};
    if (llama_sae_sae_create(sp, r.we.data(), r.be.data(), r.wd.data(), r.bd.data(), nullptr, &r.sae) != LLAMA_SAE_OK) {
        std::printf("sae_create failed: %s\n", llama_sae_last_error());
        std::exit(1);
    }
}
