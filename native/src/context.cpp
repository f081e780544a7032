// Contexts, capture specs, batched runs and their results (llama_sae_context_*, llama_sae_capture_*).
#include "api_error.h"
#include "engine_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace llama_sae;

namespace llama_sae {

namespace {

// Whether llama.cpp can keep the last layer's captured rows without their logits (the project's
// patch, cmake/patches/). LLAMA_SAE_NO_LAST_LAYER_ROWS=1 switches it off (before/after benchmarks,
// or to rule the patch out): captured last-layer rows are then logits rows as in plain llama.cpp.
bool keeps_last_layer_rows(const llama_sae_model * m) {
#ifdef LLAMA_SAE_LLAMA_PATCHED
    const char * off = std::getenv("LLAMA_SAE_NO_LAST_LAYER_ROWS");
    if (off && *off && std::strcmp(off, "0") != 0) return false;
    return llama_model_keeps_last_layer_rows(m->model);
#else
    (void) m;
    return false;
#endif
}

// The hook mode of a new context: the parameter, unless LLAMA_SAE_HOOK=callback|graph says otherwise.
int32_t resolve_hook_mode(int32_t param) {
    const char * env = std::getenv("LLAMA_SAE_HOOK");
    if (env && std::strcmp(env, "graph") == 0) return LLAMA_SAE_HOOK_IN_GRAPH;
    if (env && std::strcmp(env, "callback") == 0) return LLAMA_SAE_HOOK_CALLBACK;
    if (env && *env) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string("context_init: LLAMA_SAE_HOOK: expected callback or graph but found ") + env);
    return param;
}

// In-graph mode: llama.cpp gives hooked layers an op in the graphs it builds; when the set of such
// layers changes (set_capture, set_sae, set_edits since the last call), graphs built before must
// not be reused: setting the hook again makes llama.cpp rebuild them.
void sync_graph_ops(llama_sae_context & c) {
#ifdef LLAMA_SAE_LLAMA_PATCHED
    if (!c.in_graph) return;
    std::vector<uint8_t> want = ops_wanted(c.hook);
    if (want == c.hook.graph_ops) return;
    c.hook.graph_ops = std::move(want);
    llama_set_layer_hook(c.lctx, build_layer_op, &c.hook);
#else
    (void) c;
#endif
}

bool any_edits(const llama_sae_context & c) {
    for (const auto & l : c.layers) {
        if (l.edits.any()) return true;
    }
    return false;
}

}  // namespace

PlanInputs plan_inputs(const llama_sae_context & c) {
    PlanInputs in;
    in.n_layer = c.model->n_layer;
    in.n_vocab = c.model->n_vocab;
    in.n_ctx = c.n_ctx;
    in.n_seq_max = c.params.n_seq_max;
    in.n_pack = c.params.n_pack;
    in.last_layer_captured = c.layers[c.model->n_layer - 1].slot >= 0;
    in.any_edits = any_edits(c);
    in.keep_last_rows = c.keep_last_rows;
    return in;
}

namespace {

// Resizes a results buffer to n elements (0 frees it). A buffer that is about to move or be freed
// is first released by a backend that page-locked it (the CUDA backend pins large results).
template <class T>
void resize_results(llama_sae_context & c, std::vector<T> & v, size_t n) {
    if (v.capacity() > 0 && (n == 0 || n > v.capacity()) && c.hook.cuda) c.hook.cuda->release_host(v.data());
    if (n == 0) {
        std::vector<T>().swap(v);
    } else {
        v.resize(n);
    }
}

}  // namespace

void allocate_results(llama_sae_context & c, RowLayout layout, int32_t n_prompts) {
    RunResults & R = c.results;
    R.layout = std::move(layout);
    const int64_t n_rows = R.layout.n_rows();
    const int32_t n_blocks = R.layout.n_blocks();
    const int32_t d = c.model->n_embd;
    const uint32_t outputs = c.config.outputs;
    for (size_t slot = c.capture.layers.size(); slot < R.slots.size(); ++slot) {  // slots about to go
        resize_results(c, R.slots[slot].rows, 0);
        resize_results(c, R.slots[slot].idx, 0);
        resize_results(c, R.slots[slot].val, 0);
    }
    R.slots.resize(c.capture.layers.size());
    for (size_t slot = 0; slot < c.capture.layers.size(); ++slot) {
        SlotResults & s = R.slots[slot];
        const LayerSpec & spec = c.layers[c.capture.layers[slot]];
        // resize, not assign: runs of the same size reuse (and never clear) the buffers
        resize_results(c, s.rows, (outputs & LLAMA_SAE_OUTPUT_ROWS) ? (size_t) n_rows * d : 0);
        s.k = spec.sae ? spec.k : 0;
        const bool codes = s.k > 0 && (outputs & LLAMA_SAE_OUTPUT_CODES);
        resize_results(c, s.idx, codes ? (size_t) n_rows * s.k : 0);
        resize_results(c, s.val, codes ? (size_t) n_rows * s.k : 0);
        const bool stats = s.k > 0 && (outputs & (LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS));
        s.stats.resize(stats ? n_blocks : 0);
        const bool full = outputs & LLAMA_SAE_OUTPUT_STATS;  // METRICS alone needs only the counts
        for (auto & acc : s.stats) acc.reset(spec.sae->params.n_latents, full ? c.config.top_n : 0, full);
        const bool metrics = s.k > 0 && (outputs & LLAMA_SAE_OUTPUT_METRICS);
        s.recon.resize(metrics ? n_blocks : 0);
        for (auto & r : s.recon) r.reset(d);
    }
    R.n_prompts = n_prompts;
    R.last_logits.resize((size_t) n_prompts * c.model->n_vocab);
    R.generated.assign(n_prompts, {});
}

void begin_run(llama_sae_context & c) {
    c.hook.cpu->begin_run(c.results.slots);
    if (c.hook.cuda) c.hook.cuda->begin_run(c.results.slots);
}

void decode_call(llama_sae_context & c, llama_batch & batch, const CallPlan & plan) {
#ifdef LLAMA_SAE_LLAMA_PATCHED
    // Rows the last layer keeps without logits (none: the unpatched graph).
    llama_set_last_layer_rows(c.lctx, plan.last_layer_rows.data(), (int32_t) plan.last_layer_rows.size());
#endif
    sync_graph_ops(c);
    c.hook.plan = &plan;
    c.hook.error.clear();
    const int32_t rc = llama_decode(c.lctx, batch);
    // Work the backends deferred past the callbacks (always: an aborted call leaves none behind).
    std::string deferred;
    const bool finished = c.hook.cpu->finish_call(&deferred) && (!c.hook.cuda || c.hook.cuda->finish_call(&deferred));
    c.hook.plan = nullptr;
    if (!c.hook.error.empty()) fail(LLAMA_SAE_ERR_DECODE, c.hook.error);
    if (rc != 0) fail(LLAMA_SAE_ERR_DECODE, "llama_decode returned " + std::to_string(rc));
    if (!finished) fail(LLAMA_SAE_ERR_DECODE, deferred);
}

void finish_run(llama_sae_context & c) {
    std::string error;
    if (!c.hook.cpu->finish_run(c.results.slots, &error) || (c.hook.cuda && !c.hook.cuda->finish_run(c.results.slots, &error))) {
        fail(LLAMA_SAE_ERR_DECODE, error);
    }
    for (auto & s : c.results.slots) {
        for (auto & acc : s.stats) acc.finish();
    }
}

}  // namespace llama_sae

extern "C" {

struct llama_sae_context_params llama_sae_context_default_params(void) {
    llama_sae_context_params p{};
    p.n_ctx = 0;
    p.n_seq_max = 16;
    p.n_pack = 0;
    p.n_threads = 0;
    p.hook = true;
    p.kv_f32 = false;
    p.hook_mode = LLAMA_SAE_HOOK_CALLBACK;
    return p;
}

int32_t llama_sae_context_init(llama_sae_model * model, struct llama_sae_context_params params, llama_sae_context ** out_ctx) {
    return guarded([&] {
        if (!model || !out_ctx) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: model and out_ctx must not be null");
        *out_ctx = nullptr;
        if (params.n_ctx < 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: n_ctx must be >= 0, found " + std::to_string(params.n_ctx));
        if (params.n_seq_max < 1 || params.n_seq_max > 256) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: n_seq_max must be in 1..256, found " + std::to_string(params.n_seq_max));
        }
        if (params.n_pack < 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: n_pack must be >= 0");
        if (params.n_threads < 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: n_threads must be >= 0");
        const int32_t hook_mode = resolve_hook_mode(params.hook_mode);
        if (hook_mode != LLAMA_SAE_HOOK_CALLBACK && hook_mode != LLAMA_SAE_HOOK_IN_GRAPH) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: hook_mode: expected LLAMA_SAE_HOOK_CALLBACK (0) or LLAMA_SAE_HOOK_IN_GRAPH (1) "
                 "but found " + std::to_string(hook_mode));
        }
        const bool in_graph = params.hook && hook_mode == LLAMA_SAE_HOOK_IN_GRAPH;
        if (in_graph && !llama_sae_has_in_graph_hook()) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: hook_mode in-graph needs llama.cpp with the project's layer-hook patch "
                 "(cmake/patches/llama-cpp-layer-hook.patch did not apply to this LLAMA_CPP_DIR)");
        }
        if (in_graph && model->n_gpu_layers != 0 && cuda_backend_available()) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "context_init: hook_mode in-graph runs on the CPU backend in this version: load the model "
                 "with n_gpu_layers = 0, or use LLAMA_SAE_HOOK_CALLBACK (the CUDA op is designed in cuda/README.md)");
        }
        const int32_t n_ctx_train = llama_model_n_ctx_train(model->model);
        int32_t n_ctx = params.n_ctx > 0 ? params.n_ctx : std::min(n_ctx_train > 0 ? n_ctx_train : 4096, 4096);
        const int32_t threads = params.n_threads > 0 ? params.n_threads : (int32_t) std::max(1u, std::thread::hardware_concurrency());

        auto c = std::make_unique<llama_sae_context>();
        c->model = model;
        c->params = params;
        c->n_ctx = n_ctx;
        c->keep_last_rows = keeps_last_layer_rows(model);
        c->layers.assign(model->n_layer, LayerSpec{});
        c->pool = std::make_unique<ThreadPool>(threads);
        c->config.n_embd = model->n_embd;
        c->config.pool = c->pool.get();
        c->hook.layers = &c->layers;
        c->hook.cfg = &c->config;
        c->hook.slots = &c->results.slots;
        c->hook.n_layer = model->n_layer;
        c->hook.cpu = make_cpu_backend();
        c->hook.cuda = make_cuda_backend(c->hook.cpu.get());
        c->in_graph = in_graph;
        c->hook.graph_layers.resize(model->n_layer);
        for (int32_t il = 0; il < model->n_layer; ++il) c->hook.graph_layers[il] = {&c->hook, il};

        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = n_ctx;
        // One ubatch per decode call: the hook then sees each layer once per call, rows in batch order.
        cp.n_batch = n_ctx;
        cp.n_ubatch = n_ctx;
        // llama.cpp asserts n_seq_max <= n_batch; a call never holds more prompts than tokens anyway.
        c->params.n_seq_max = std::min(params.n_seq_max, n_ctx);
        cp.n_seq_max = c->params.n_seq_max;
        cp.kv_unified = true;  // sequences share the n_ctx cells, so short prompts pack densely
        cp.n_threads = threads;
        cp.n_threads_batch = threads;
        cp.no_perf = true;
        if (params.kv_f32) {
            cp.type_k = GGML_TYPE_F32;
            cp.type_v = GGML_TYPE_F32;
            // The CPU flash-attention path rounds Q to F16; exact comparisons need the plain path.
            cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
        }
        if (params.hook && !in_graph) {
            cp.cb_eval = eval_callback;
            cp.cb_eval_user_data = &c->hook;
        }
        c->lctx = llama_init_from_model(model->model, cp);
        if (!c->lctx) fail(LLAMA_SAE_ERR_INTERNAL, "context_init: llama.cpp could not create a context of " + std::to_string(n_ctx) + " tokens");
        *out_ctx = c.release();
    });
}

void llama_sae_context_free(llama_sae_context * ctx) {
    if (!ctx) return;
    llama_free(ctx->lctx);
    delete ctx;  // backends (and their device memory) go with the hook
}

int32_t llama_sae_context_n_ctx(const llama_sae_context * ctx) { return ctx ? ctx->n_ctx : 0; }

int32_t llama_sae_context_set_capture(llama_sae_context * ctx, const int32_t * layers, int32_t n_layers,
                                      const int32_t * positions, int32_t n_positions, bool all_positions) {
    return guarded([&] {
        if (!ctx || n_layers < 0 || n_positions < 0 || (n_layers > 0 && !layers) || (n_positions > 0 && !positions)) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture: null pointer or negative count");
        }
        if (n_layers > 0 && !ctx->params.hook) fail(LLAMA_SAE_ERR_STATE, "set_capture: context was created without the hook");
        // No prompt positions is allowed: the rows may all be generated steps (set_capture_generated).
        std::vector<int32_t> slot(ctx->model->n_layer, -1);
        for (int32_t i = 0; i < n_layers; ++i) {
            const int32_t il = layers[i];
            if (il < 0 || il >= ctx->model->n_layer) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "set_capture: layer " + std::to_string(il) + " out of range: the model has " +
                     std::to_string(ctx->model->n_layer) + " blocks (valid 0.." + std::to_string(ctx->model->n_layer - 1) + ")");
            }
            if (slot[il] >= 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture: layer " + std::to_string(il) + " listed twice");
            slot[il] = i;
        }
        for (int32_t il = 0; il < ctx->model->n_layer; ++il) ctx->layers[il].slot = slot[il];
        ctx->capture.layers.assign(layers, layers + n_layers);
        ctx->capture.positions.assign(positions, positions + n_positions);
        ctx->capture.all_positions = all_positions;
        ctx->have_results = false;
    });
}

int32_t llama_sae_context_set_outputs(llama_sae_context * ctx, uint32_t outputs, int32_t top_n) {
    return guarded([&] {
        if (!ctx) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_outputs: ctx is null");
        const uint32_t known = LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS;
        if (outputs & ~known) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_outputs: unknown output bits " + std::to_string(outputs & ~known));
        if (top_n < 0 || top_n > 65536) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_outputs: top_n must be in 0..65536, found " + std::to_string(top_n));
        }
        ctx->config.outputs = outputs;
        ctx->config.top_n = top_n;
        ctx->have_results = false;
    });
}

int32_t llama_sae_context_run(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets, int32_t n_prompts) {
    return guarded([&] {
        if (!ctx || !tokens || !offsets || n_prompts <= 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: null pointer or n_prompts <= 0");
        }
        llama_sae_context & c = *ctx;
        c.have_results = false;
        DecodePlan plan = plan_prompts(plan_inputs(c), c.capture, c.edit_placement, tokens, offsets, n_prompts, false, false);
        allocate_results(c, std::move(plan.layout), n_prompts);
        begin_run(c);
        const int32_t n_vocab = c.model->n_vocab;
        BatchOwner owner(c.n_ctx);
        llama_batch & batch = owner.batch;
        llama_memory_t mem = llama_get_memory(c.lctx);
        for (const CallPlan & call : plan.calls) {
            fill_batch(call, tokens, offsets, batch);
            llama_memory_clear(mem, true);
            decode_call(c, batch, call);
            // Logits of each prompt's last token (llama_get_logits_ith takes the batch index).
            int32_t first_token = 0;
            for (int32_t s = 0; s < call.n_prompts; ++s) {
                const int32_t pi = call.first_prompt + s;
                const int32_t len = offsets[pi + 1] - offsets[pi];
                const float * lg = llama_get_logits_ith(c.lctx, first_token + len - 1);
                if (!lg) fail(LLAMA_SAE_ERR_DECODE, "run: no logits for the last token of prompt " + std::to_string(pi));
                std::memcpy(c.results.last_logits.data() + (size_t) pi * n_vocab, lg, sizeof(float) * n_vocab);
                first_token += len;
            }
        }
        finish_run(c);
        c.have_results = true;
    });
}

int64_t llama_sae_capture_n_rows(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.layout.n_rows() : 0;
}

int32_t llama_sae_capture_n_blocks(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.layout.n_blocks() : 0;
}

int64_t llama_sae_capture_block_offset(const llama_sae_context * ctx, int32_t block) {
    if (!ctx || !ctx->have_results || block < 0 || block > ctx->results.layout.n_blocks()) return -1;
    return ctx->results.layout.block_offset[block];
}

const int32_t * llama_sae_capture_row_prompts(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.layout.row_prompt.data() : nullptr;
}

const int32_t * llama_sae_capture_row_positions(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.layout.row_pos.data() : nullptr;
}

const float * llama_sae_capture_rows(const llama_sae_context * ctx, int32_t layer_slot) {
    if (!ctx || !ctx->have_results || layer_slot < 0 || layer_slot >= (int32_t) ctx->results.slots.size()) return nullptr;
    const auto & rows = ctx->results.slots[layer_slot].rows;
    return rows.empty() ? nullptr : rows.data();
}

const float * llama_sae_context_last_logits(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.last_logits.data() : nullptr;
}

int32_t llama_sae_context_n_prompts(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->results.n_prompts : 0;
}

int32_t llama_sae_codes_k(const llama_sae_context * ctx, int32_t slot) {
    if (!ctx || !ctx->have_results || slot < 0 || slot >= (int32_t) ctx->results.slots.size()) return 0;
    return ctx->results.slots[slot].k;
}

const int32_t * llama_sae_codes_indices(const llama_sae_context * ctx, int32_t slot) {
    if (llama_sae_codes_k(ctx, slot) == 0 || ctx->results.slots[slot].idx.empty()) return nullptr;
    return ctx->results.slots[slot].idx.data();
}

const float * llama_sae_codes_values(const llama_sae_context * ctx, int32_t slot) {
    if (llama_sae_codes_k(ctx, slot) == 0 || ctx->results.slots[slot].val.empty()) return nullptr;
    return ctx->results.slots[slot].val.data();
}

}  // extern "C"

namespace {

// The results of one (layer slot, row block) of the last run, for the statistics accessors.
const SlotResults & block_results(const llama_sae_context * ctx, int32_t slot, int32_t block, const void * out, const char * what) {
    if (!ctx || !out) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string(what) + ": null pointer");
    if (!ctx->have_results) fail(LLAMA_SAE_ERR_STATE, std::string(what) + ": no results (run first)");
    if (slot < 0 || slot >= (int32_t) ctx->results.slots.size() || block < 0 || block >= ctx->results.layout.n_blocks()) {
        fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string(what) + ": layer slot " + std::to_string(slot) + " / block " +
             std::to_string(block) + " outside the last run's " + std::to_string(ctx->results.slots.size()) + " slots / " +
             std::to_string(ctx->results.layout.n_blocks()) + " blocks");
    }
    return ctx->results.slots[slot];
}

}  // namespace

extern "C" {

int32_t llama_sae_context_feature_stats(const llama_sae_context * ctx, int32_t slot, int32_t block, struct llama_sae_feature_stats * out) {
    return guarded([&] {
        const SlotResults & s = block_results(ctx, slot, block, out, "feature_stats");
        if (s.stats.empty()) fail(LLAMA_SAE_ERR_STATE, "feature_stats: no statistics at layer slot " + std::to_string(slot) +
                                                       " (needs an SAE and the STATS or METRICS output)");
        const FeatureStatsAcc & a = s.stats[block];
        out->rows = a.rows;
        out->n_features = (int32_t) a.out_feature.size();
        out->feature = a.out_feature.data();
        out->count = a.out_count.data();
        out->sum_abs = a.out_sum_abs.data();
        out->sum = a.out_sum.data();
        out->max_abs = a.out_max_abs.data();
        out->top_offset = a.out_top_offset.data();
        out->top_value = a.out_top_value.data();
        out->top_prompt = a.out_top_prompt.data();
        out->top_position = a.out_top_position.data();
        out->hist_offset = a.out_hist_offset.data();
        out->hist_key = a.out_hist_key.data();
        out->hist_count = a.out_hist_count.data();
    });
}

int32_t llama_sae_context_recon_sums(const llama_sae_context * ctx, int32_t slot, int32_t block, struct llama_sae_recon_sums * out) {
    return guarded([&] {
        const SlotResults & s = block_results(ctx, slot, block, out, "recon_sums");
        if (s.recon.empty()) fail(LLAMA_SAE_ERR_STATE, "recon_sums: no reconstruction sums at layer slot " + std::to_string(slot) +
                                                       " (needs an SAE and the METRICS output)");
        out->rows = s.recon[block].rows;
        out->n_embd = s.recon[block].d;
        out->sums = s.recon[block].sums.data();
    });
}

}  // extern "C"
