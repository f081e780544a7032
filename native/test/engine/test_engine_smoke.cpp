// Smoke test of the C API on ../shared/models/llama-2-tiny-random.gguf (skipped if absent):
// error codes for bad input, hooked vs unhooked logits bit-identical, batched == one by one.
#include "engine_test_util.h"
#include "llama_sae.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)

int main() {
    const std::string path = tiny_model_or_skip();

    llama_sae_model * bad = nullptr;
    CHECK(llama_sae_model_load("/nonexistent.gguf", llama_sae_model_default_params(), &bad) == LLAMA_SAE_ERR_IO, "missing file");
    CHECK(std::strstr(llama_sae_last_error(), "/nonexistent.gguf") != nullptr, "message names the file: %s", llama_sae_last_error());
    CHECK(llama_sae_model_load("/etc/hostname", llama_sae_model_default_params(), &bad) == LLAMA_SAE_ERR_FORMAT, "non-GGUF");

    llama_sae_model * m = nullptr;
    CHECK(llama_sae_model_load(path.c_str(), llama_sae_model_default_params(), &m) == LLAMA_SAE_OK, "load: %s", llama_sae_last_error());
    if (!m) return 1;
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    std::printf("model: %s %s n_layer=%d n_embd=%d n_vocab=%d\n", info.architecture, info.description, info.n_layer, info.n_embd, info.n_vocab);

    std::vector<int32_t> tokens, offsets;
    tokenize_all(m, {"Question: 12+7=?", "20*3=60 | 60+5=65", "Hello world, how many apples?"}, tokens, offsets);

    auto params = llama_sae_context_default_params();
    params.n_ctx = 128;
    llama_sae_context * hooked = nullptr, * plain = nullptr;
    CHECK(llama_sae_context_init(m, params, &hooked) == LLAMA_SAE_OK, "ctx: %s", llama_sae_last_error());
    params.hook = false;
    CHECK(llama_sae_context_init(m, params, &plain) == LLAMA_SAE_OK, "ctx: %s", llama_sae_last_error());

    int32_t layers[] = {0};
    int32_t positions[] = {3, -1};
    CHECK(llama_sae_context_set_capture(hooked, layers, 1, positions, 2, false) == LLAMA_SAE_OK, "capture: %s", llama_sae_last_error());
    int32_t bad_layer[] = {5};
    CHECK(llama_sae_context_set_capture(hooked, bad_layer, 1, positions, 2, false) == LLAMA_SAE_ERR_OUT_OF_RANGE, "layer out of range");
    CHECK(llama_sae_context_set_capture(plain, layers, 1, positions, 2, false) == LLAMA_SAE_ERR_STATE, "no hook");

    CHECK(llama_sae_context_run(hooked, tokens.data(), offsets.data(), 3) == LLAMA_SAE_OK, "run: %s", llama_sae_last_error());
    CHECK(llama_sae_context_run(plain, tokens.data(), offsets.data(), 3) == LLAMA_SAE_OK, "run: %s", llama_sae_last_error());
    const size_t nl = (size_t) 3 * info.n_vocab;
    CHECK(std::memcmp(llama_sae_context_last_logits(hooked), llama_sae_context_last_logits(plain), nl * sizeof(float)) == 0,
          "hooked logits bit-identical to unhooked");
    const int64_t rows = llama_sae_capture_n_rows(hooked);
    CHECK(rows == 6, "rows %lld", (long long) rows);
    std::vector<float> batched(llama_sae_capture_rows(hooked, 0), llama_sae_capture_rows(hooked, 0) + rows * info.n_embd);

    // Row layout: one block per position (3, then -1), each holding the prompts in order.
    CHECK(llama_sae_capture_n_blocks(hooked) == 2, "blocks %d", llama_sae_capture_n_blocks(hooked));
    CHECK(llama_sae_capture_block_offset(hooked, 1) == 3 && llama_sae_capture_block_offset(hooked, 2) == 6, "block offsets");
    for (int p = 0; p < 3; ++p) {
        CHECK(llama_sae_capture_row_prompts(hooked)[3 + p] == p, "row prompt");
        CHECK(llama_sae_capture_row_positions(hooked)[3 + p] == offsets[p + 1] - offsets[p] - 1, "row position of -1");
    }

    // One by one.
    for (int p = 0; p < 3; ++p) {
        int32_t off1[2] = {0, offsets[p + 1] - offsets[p]};
        CHECK(llama_sae_context_run(hooked, tokens.data() + offsets[p], off1, 1) == LLAMA_SAE_OK, "run1");
        const float * r = llama_sae_capture_rows(hooked, 0);
        for (int b = 0; b < 2; ++b) {
            for (int i = 0; i < info.n_embd; ++i) {
                const float x = r[(size_t) b * info.n_embd + i], y = batched[((size_t) b * 3 + p) * info.n_embd + i];
                CHECK(std::abs(x - y) <= 1e-5f * (1 + std::abs(y)), "prompt %d block %d value %d: single %g batched %g", p, b, i, x, y);
            }
        }
    }
    // Position out of range and empty prompt.
    int32_t far[] = {40};
    llama_sae_context_set_capture(hooked, layers, 1, far, 1, false);
    CHECK(llama_sae_context_run(hooked, tokens.data(), offsets.data(), 3) == LLAMA_SAE_ERR_OUT_OF_RANGE, "position out of range");
    std::printf("message: %s\n", llama_sae_last_error());
    int32_t empty_off[2] = {0, 0};
    CHECK(llama_sae_context_run(hooked, tokens.data(), empty_off, 1) == LLAMA_SAE_ERR_INVALID_ARGUMENT, "empty prompt");

    llama_sae_context_free(hooked);
    llama_sae_context_free(plain);
    llama_sae_model_free(m);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
