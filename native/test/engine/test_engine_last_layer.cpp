// The last layer without the output head (cmake/patches/llama-cpp-last-layer-rows.patch): with the
// patched llama.cpp, capturing the last block keeps its captured rows without computing their
// logits. Checked on ../shared/models/llama-2-tiny-random.gguf (skipped if absent):
//   - with and without captures, the patched engine's logits equal plain llama.cpp's bit for bit
//     (one prompt and several prompts per decode);
//   - the captured last-layer rows equal those of the unpatched path (LLAMA_SAE_NO_LAST_LAYER_ROWS=1,
//     which makes them logits rows as plain llama.cpp must).
#include "engine_test_util.h"
#include "llama_sae.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)
#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::printf("FAIL %s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, st_, llama_sae_last_error()); return 1; } } while (0)

namespace {

llama_sae_context * make(llama_sae_model * m, bool hook, bool patch) {
    if (!patch) setenv("LLAMA_SAE_NO_LAST_LAYER_ROWS", "1", 1);
    auto cp = llama_sae_context_default_params();
    cp.n_ctx = 256;
    cp.hook = hook;
    llama_sae_context * c = nullptr;
    const int32_t st = llama_sae_context_init(m, cp, &c);
    unsetenv("LLAMA_SAE_NO_LAST_LAYER_ROWS");
    if (st != LLAMA_SAE_OK) {
        std::printf("context_init: %s\n", llama_sae_last_error());
        std::exit(1);
    }
    return c;
}

bool same_bits(const float * a, const float * b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

}  // namespace

int main() {
    const std::string path = tiny_model_or_skip();
    llama_sae_model * m = nullptr;
    OK(llama_sae_model_load(path.c_str(), llama_sae_model_default_params(), &m));
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    const int32_t L = info.n_layer, d = info.n_embd;
    std::printf("model: %s, %d layers, n_embd %d\n", info.architecture, L, d);

    std::vector<int32_t> tokens, offsets;
    tokenize_all(m, {"Question: Tom has 12 apples and buys 7 more. How many?", "20*3=60 | 60+5=65", "How many apples are left?"}, tokens,
                 offsets);
    llama_sae_context * plain = make(m, false, true);
    llama_sae_context * patched = make(m, true, true);
    llama_sae_context * unpatched = make(m, true, false);

    struct Capture {
        const char * name;
        std::vector<int32_t> layers, positions;
        bool all;
    };
    std::vector<int32_t> every;
    for (int32_t i = 0; i < L; ++i) every.push_back(i);
    const std::vector<Capture> captures = {
        {"nothing", {}, {}, false},
        {"last layer, positions 1 and -1", {L - 1}, {1, -1}, false},
        {"last layer, position 3", {L - 1}, {3}, false},
        {"last layer, every position", {L - 1}, {}, true},
        {"every layer, every position", every, {}, true},
    };
    for (int32_t n_prompts : {1, 3}) {
        std::vector<int32_t> offs(offsets.begin(), offsets.begin() + n_prompts + 1);
        OK(llama_sae_context_run(plain, tokens.data(), offs.data(), n_prompts));
        const std::vector<float> ref(llama_sae_context_last_logits(plain), llama_sae_context_last_logits(plain) + (size_t) n_prompts * info.n_vocab);
        for (const Capture & cap : captures) {
            for (llama_sae_context * c : {patched, unpatched}) {
                OK(llama_sae_context_set_capture(c, cap.layers.data(), (int32_t) cap.layers.size(), cap.positions.data(),
                                                 (int32_t) cap.positions.size(), cap.all));
                OK(llama_sae_context_run(c, tokens.data(), offs.data(), n_prompts));
            }
            CHECK(same_bits(llama_sae_context_last_logits(patched), ref.data(), ref.size()),
                  "%d prompt(s), capture %s: patched logits differ from plain llama.cpp", n_prompts, cap.name);
            if (cap.layers.empty()) continue;
            const int64_t rows = llama_sae_capture_n_rows(patched);
            CHECK(rows == llama_sae_capture_n_rows(unpatched), "row counts");
            for (size_t slot = 0; slot < cap.layers.size(); ++slot) {
                const float * a = llama_sae_capture_rows(patched, (int32_t) slot);
                const float * b = llama_sae_capture_rows(unpatched, (int32_t) slot);
                double max_d = 0;
                for (int64_t i = 0; i < rows * d; ++i) max_d = std::fmax(max_d, std::fabs((double) a[i] - b[i]));
                CHECK(same_bits(a, b, (size_t) rows * d), "%d prompt(s), capture %s, layer %d: rows differ from the unpatched path (max |d| %g)",
                      n_prompts, cap.name, cap.layers[slot], max_d);
            }
        }
    }
    llama_sae_context_free(plain);
    llama_sae_context_free(patched);
    llama_sae_context_free(unpatched);
    llama_sae_model_free(m);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
