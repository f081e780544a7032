// Internal state behind the opaque handles of llama_sae.h.
#pragma once

#include "llama_sae.h"
#include "llama.h"

#include "sae_view.h"
#include "sparse_edit.h"
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
    mutable void * cuda = nullptr;  // device copy (llama_sae_cuda_sae), uploaded on first use in a CUDA hook
    llama_sae::SaeView view() const {
        return {params.n_embd, params.n_latents, W_enc.data(), b_enc.data(), W_dec.data(), b_dec.data(),
                threshold.empty() ? nullptr : threshold.data()};
    }
};

namespace llama_sae {

// What the hook does at one block.
struct LayerHook {
    int32_t capture_slot = -1;             // index in the capture list, or -1
    const llama_sae_sae * sae = nullptr;   // attached SAE (codes of captured rows, edits)
    int32_t k = 0;
    std::vector<LatentEdit> edits;         // scale / clamp / swap
    std::vector<std::pair<int32_t, float>> steers;  // (latent, alpha)
    bool edited() const { return !edits.empty() || !steers.empty(); }
};

// Codes of one captured layer in the last run.
struct SlotCodes {
    int32_t k = 0;
    std::vector<int32_t> indices;  // [n_rows, k]
    std::vector<float> values;     // [n_rows, k]
};

// One decode call: which rows the hook reads and which it edits.
struct DecodePlan {
    int32_t first_prompt = 0;
    int32_t n_prompts = 0;
    int32_t n_tokens = 0;
    // Captured rows of this call: index in the batch, index among the batch's output tokens (the
    // last layer's l_out holds only output rows), and global row index.
    std::vector<int32_t> batch_index;
    std::vector<int32_t> output_index;
    std::vector<int64_t> row_index;
    // Rows to edit: index in the batch and among the outputs.
    std::vector<int32_t> edit_batch_index;
    std::vector<int32_t> edit_output_index;
};

// What the eval callback needs; lives inside the context.
struct HookState {
    std::vector<LayerHook> layers;       // n_layer entries
    int32_t n_embd = 0;
    int32_t edit_mode = 0;               // LLAMA_SAE_EDIT_MODE_*
    bool capture_after_edits = false;    // captured rows show the edited residual
    const DecodePlan * plan = nullptr;   // the decode call in flight
    int32_t n_batch_tokens = 0;
    int32_t n_batch_outputs = 0;
    std::vector<std::vector<float>> * rows = nullptr;  // per capture slot, [n_rows, n_embd]
    std::vector<SlotCodes> * codes = nullptr;          // per capture slot
    ThreadPool * pool = nullptr;                       // kernels' threads (llama.cpp's are idle in the hook)
    std::vector<float> scratch_x;                      // rows being edited
    std::vector<int32_t> scratch_idx;
    std::vector<float> scratch_val;
    uint64_t edits_version = 1;          // bumped by every set_edits (device edit tables rebuild on change)
    void * cuda = nullptr;               // device scratch of the CUDA path (cuda_hook.cpp)
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
    std::vector<int32_t> capture_layers;
    std::vector<int32_t> positions;
    bool all_positions = false;
    std::vector<int32_t> generated_steps;  // 1-based steps captured during generate

    // intervention positions
    std::vector<int32_t> edit_positions;
    bool edit_all_positions = false;
    bool edit_generated = false;

    // results of the last run
    int32_t n_prompts = 0;
    std::vector<int32_t> row_prompt;
    std::vector<int32_t> row_pos;
    std::vector<std::vector<float>> rows;   // per capture slot
    std::vector<llama_sae::SlotCodes> codes;  // per capture slot
    std::vector<float> last_logits;         // [n_prompts, n_vocab]
    std::vector<std::vector<int32_t>> generated;  // per prompt, after generate
    bool have_results = false;

    std::unique_ptr<llama_sae::ThreadPool> pool;
    llama_sae::HookState hook;
};

namespace llama_sae {

// Owns a llama_batch for the scope of one run or generate call.
struct BatchOwner {
    llama_batch batch;
    explicit BatchOwner(int32_t n_tokens) : batch(llama_batch_init(n_tokens, 0, 1)) {}
    ~BatchOwner() { llama_batch_free(batch); }
    BatchOwner(const BatchOwner &) = delete;
    BatchOwner & operator=(const BatchOwner &) = delete;
};

// Validates prompts and resolves capture positions (shared by run and generate).
std::vector<std::vector<int32_t>> resolve_capture_positions(const llama_sae_context & c, const int32_t * tokens,
                                                            const int32_t * offsets, int32_t n_prompts);

// Prompt positions to edit for a prompt of len tokens.
std::vector<int32_t> resolve_edit_positions(const llama_sae_context & c, int32_t prompt, int32_t len);

// Fills the batch with whole prompts [first, first + count) (sequence ids 0..count-1), builds the
// plan's capture and edit rows, sizes nothing. Returns the number of output tokens.
int32_t fill_prompt_batch(llama_sae_context & c, llama_batch & batch, DecodePlan & plan, const int32_t * tokens,
                          const int32_t * offsets, const std::vector<std::vector<int32_t>> & capture_pos,
                          int64_t & row_base);

// Runs one decode with the hook pointed at plan; throws ApiError on failure.
void decode_with_plan(llama_sae_context & c, llama_batch & batch, const DecodePlan & plan, int32_t n_outputs);

// Allocates capture rows, codes and logits for n_rows rows and n_prompts prompts.
void allocate_results(llama_sae_context & c, int64_t n_rows, int32_t n_prompts);

}  // namespace llama_sae
