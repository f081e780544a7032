// Internal state behind the opaque handles of llama_sae.h.
#pragma once

#include "llama_sae.h"
#include "llama.h"

#include "decode_plan.h"
#include "layer_pipeline.h"
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
    int32_t n_gpu_layers = 0;  // as loaded (llama_sae_model_params)
};

struct llama_sae_sae {
    llama_sae_sae_params params{};
    std::vector<float> W_enc, b_enc, W_dec, b_dec, threshold;  // canonical latent-major copies
    mutable void * cuda = nullptr;  // device copy (llama_sae_cuda_sae), uploaded on first use by the CUDA backend
    llama_sae::SaeView view() const {
        return {params.n_embd, params.n_latents, W_enc.data(), b_enc.data(), W_dec.data(), b_dec.data(),
                threshold.empty() ? nullptr : threshold.data()};
    }
};

namespace llama_sae {

// The exact sums of one spliced-in evaluation (llama_sae_context_eval_splice).
struct SpliceSums {
    bool valid = false;
    int64_t ce_tokens = 0;
    int64_t kl_tokens = 0;
    std::vector<int32_t> layers;
    int64_t clean_ce[2] = {0, 0};
    std::vector<int64_t> sums;  // [8 n_layers]: CE spliced, KL spliced, CE zero, KL zero as (hi, lo)
};

}  // namespace llama_sae

struct llama_sae_context {
    llama_sae_model * model = nullptr;
    llama_context * lctx = nullptr;
    llama_sae_context_params params{};
    int32_t n_ctx = 0;
    bool keep_last_rows = false;  // llama.cpp keeps captured last-layer rows without logits (the patch)
    bool in_graph = false;        // LLAMA_SAE_HOOK_IN_GRAPH: the hook runs as ops inside llama.cpp's graph

    // What runs capture and produce (set_capture, set_capture_generated, set_outputs).
    llama_sae::CaptureSpec capture;
    // Per block: capture slot, SAE, edits (set_capture, set_sae, set_edits).
    std::vector<llama_sae::LayerSpec> layers;
    llama_sae::EditPlacement edit_placement;
    llama_sae::PipelineConfig config;

    // Results of the last run (valid while have_results).
    llama_sae::RunResults results;
    bool have_results = false;

    // Sums of the last spliced-in evaluation (eval_splice).
    llama_sae::SpliceSums splice;

    std::unique_ptr<llama_sae::ThreadPool> pool;
    llama_sae::Hook hook;
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

// The plan's view of the context (sizes, what the last layer needs, whether edits exist). The spec
// itself (layers, SAEs, edits) was validated when it was set, the same way for every backend;
// plan_prompts validates the prompts and positions: nothing is rejected once decoding started.
PlanInputs plan_inputs(const llama_sae_context & c);

// Sizes the results of a run laid out by `layout` (rows, codes, per-block statistics).
void allocate_results(llama_sae_context & c, RowLayout layout, int32_t n_prompts);

// Before the first decode of a run (backends clear device-side accumulators).
void begin_run(llama_sae_context & c);

// Runs one decode call of `plan` through the hook; throws ApiError on failure.
void decode_call(llama_sae_context & c, llama_batch & batch, const CallPlan & plan);

// After the last decode of a run: backends flush device-side statistics; exports are built.
void finish_run(llama_sae_context & c);

}  // namespace llama_sae
