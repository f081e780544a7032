// Shared by the engine tests: the shared tiny model (or a skip) and tokenized prompts.
#pragma once

#include "llama_sae.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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
