// Internal state behind the opaque handles of llama_sae.h.
#pragma once

#include "llama_sae.h"
#include "llama.h"

#include "sae_view.h"
#include "thread_pool.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct llama_sae_model {
    llama_model * model = nullptr;
    const llama_vocab * vocab = nullptr;
    std::string path;
    int32_t n_layer = 0;
    int32_t n_embd = 0;
    int32_t n_vocab = 0;
};

struct llama_sae_sae {
    llama_sae_sae_params params{};
    std::vector<float> W_enc, b_enc, W_dec, b_dec, threshold;  // canonical latent-major copies
    llama_sae::SaeView view() const {
        return {params.n_embd, params.n_latents, W_enc.data(), b_enc.data(), W_dec.data(), b_dec.data(),
                threshold.empty() ? nullptr : threshold.data()};
    }
};

namespace llama_sae {

// An SAE attached to one captured layer, and the codes it produced in the last run.
struct AttachedSae {
    const llama_sae_sae * sae = nullptr;
    int32_t k = 0;
    std::vector<int32_t> indices;  // [n_rows, k]
    std::vector<float> values;     // [n_rows, k]
};

// One decode call: which prompts it holds and where their captured rows go.
struct DecodePlan {
    int32_t first_prompt = 0;
    int32_t n_prompts = 0;
    int32_t n_tokens = 0;
    // For each captured row of this call: its index in the batch, its index among the batch's
    // output tokens (the last layer's l_out holds only output rows), and its global row index.
    std::vector<int32_t> batch_index;
    std::vector<int32_t> output_index;
    std::vector<int64_t> row_index;
    // Output index of the last token of each prompt (for the logits).
    std::vector<int32_t> last_output;
};

// What the eval callback needs; lives inside the context.
struct HookState {
    std::vector<int32_t> layers;         // capture list, in the caller's order
    std::vector<int32_t> slot_of_layer;  // n_layer entries: slot in `layers`, or -1
    int32_t n_layer = 0;
    int32_t n_embd = 0;
    const DecodePlan * plan = nullptr;   // the decode call in flight
    int32_t n_batch_tokens = 0;
    int32_t n_batch_outputs = 0;
    std::vector<std::vector<float>> * rows = nullptr;  // per slot, [n_rows, n_embd]
    std::vector<AttachedSae> * saes = nullptr;         // per slot
    ThreadPool * pool = nullptr;                       // kernels' threads (llama.cpp's are idle in the hook)
    std::string error;                   // set by the callback when it aborts the pass
    int64_t calls = 0;
};

bool eval_callback(struct ggml_tensor * t, bool ask, void * user_data);

}  // namespace llama_sae

struct llama_sae_context {
    llama_sae_model * model = nullptr;
    llama_context * lctx = nullptr;
    llama_sae_context_params params{};
    int32_t n_ctx = 0;

    // capture spec
    std::vector<int32_t> positions;
    bool all_positions = false;

    // results of the last run
    int32_t n_prompts = 0;
    std::vector<int32_t> row_prompt;
    std::vector<int32_t> row_pos;
    std::vector<std::vector<float>> rows;  // per layer slot
    std::vector<float> last_logits;        // [n_prompts, n_vocab]
    std::vector<llama_sae::AttachedSae> saes;  // per layer slot
    std::unique_ptr<llama_sae::ThreadPool> pool;
    bool have_results = false;

    llama_sae::HookState hook;
};
