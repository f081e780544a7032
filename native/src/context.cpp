// Contexts, capture specs and batched runs (llama_sae_context_*).
#include "api_error.h"
#include "cuda_hook.h"
#include "engine_internal.h"

#include <algorithm>
#include <cstring>
#include <thread>

using namespace llama_sae;

namespace {

std::string prompt_label(int32_t i) { return "prompt " + std::to_string(i); }

}  // namespace

namespace llama_sae {

std::vector<std::vector<int32_t>> resolve_capture_positions(const llama_sae_context & c, const int32_t * tokens,
                                                            const int32_t * offsets, int32_t n_prompts) {
    std::vector<std::vector<int32_t>> out(n_prompts);
    if (offsets[0] != 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: offsets[0] must be 0, found " + std::to_string(offsets[0]));
    const bool capturing = !c.capture_layers.empty();
    for (int32_t p = 0; p < n_prompts; ++p) {
        const int32_t len = offsets[p + 1] - offsets[p];
        if (len <= 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: " + prompt_label(p) + " is empty (expected at least one token)");
        if (len > c.n_ctx) {
            fail(LLAMA_SAE_ERR_CONTEXT_OVERFLOW, "run: " + prompt_label(p) + " has " + std::to_string(len) +
                 " tokens but the context holds " + std::to_string(c.n_ctx) + " (raise n_ctx or shorten the prompt)");
        }
        for (int32_t i = offsets[p]; i < offsets[p + 1]; ++i) {
            if (tokens[i] < 0 || tokens[i] >= c.model->n_vocab) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "run: " + prompt_label(p) + " has token id " + std::to_string(tokens[i]) +
                     " outside the vocabulary [0, " + std::to_string(c.model->n_vocab) + ")");
            }
        }
        if (!capturing) continue;
        if (c.all_positions) {
            for (int32_t i = 0; i < len; ++i) out[p].push_back(i);
            continue;
        }
        for (int32_t q : c.positions) {
            const int32_t pos = q >= 0 ? q : len + q;
            if (pos < 0 || pos >= len) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "run: position " + std::to_string(q) + ": expected a position inside " + prompt_label(p) +
                     " of " + std::to_string(len) + " tokens (0.." + std::to_string(len - 1) + " or -" +
                     std::to_string(len) + "..-1) but found " + std::to_string(q));
            }
            out[p].push_back(pos);
        }
    }
    return out;
}

std::vector<int32_t> resolve_edit_positions(const llama_sae_context & c, int32_t prompt, int32_t len) {
    std::vector<int32_t> out;
    if (c.edit_all_positions) {
        for (int32_t i = 0; i < len; ++i) out.push_back(i);
        return out;
    }
    for (int32_t q : c.edit_positions) {
        const int32_t pos = q >= 0 ? q : len + q;
        if (pos < 0 || pos >= len) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "run: intervention position " + std::to_string(q) + ": expected a position inside " +
                 prompt_label(prompt) + " of " + std::to_string(len) + " tokens but found " + std::to_string(q));
        }
        out.push_back(pos);
    }
    return out;
}

bool any_edits(const llama_sae_context & c) {
    for (const auto & l : c.hook.layers) if (l.edited()) return true;
    return false;
}

int32_t fill_prompt_batch(llama_sae_context & c, llama_batch & batch, DecodePlan & plan, const int32_t * tokens,
                          const int32_t * offsets, const std::vector<std::vector<int32_t>> & capture_pos, int64_t & row_base) {
    const bool capture_last_layer = c.hook.layers[c.model->n_layer - 1].capture_slot >= 0;
    const bool editing = any_edits(c);
    batch.n_tokens = 0;
    std::vector<int32_t> edit_rows;
    for (int32_t s = 0; s < plan.n_prompts; ++s) {
        const int32_t pi = plan.first_prompt + s;
        const int32_t len = offsets[pi + 1] - offsets[pi];
        const auto & want = capture_pos[pi];
        for (size_t r = 0; r < want.size(); ++r) {
            plan.batch_index.push_back(batch.n_tokens + want[r]);
            plan.row_index.push_back(row_base + (int64_t) r);
            c.row_prompt[row_base + r] = pi;
            c.row_pos[row_base + r] = want[r];
        }
        row_base += (int64_t) want.size();
        std::vector<char> is_captured(len, 0), is_edited(len, 0);
        for (int32_t q : want) is_captured[q] = 1;
        if (editing) {
            for (int32_t q : resolve_edit_positions(c, pi, len)) {
                if (!is_edited[q]) edit_rows.push_back(batch.n_tokens + q);
                is_edited[q] = 1;
            }
        }
        for (int32_t i = 0; i < len; ++i) {
            const int32_t j = batch.n_tokens++;
            batch.token[j] = tokens[offsets[pi] + i];
            batch.pos[j] = i;
            batch.n_seq_id[j] = 1;
            batch.seq_id[j][0] = s;
            // Edits at the last block touch only rows that are outputs anyway (llama.cpp drops the
            // others before the block ends), so edits never add outputs: an extra output row would
            // change how the output matmul rounds and break the bit-exact no-op guarantee.
            batch.logits[j] = i == len - 1 || (capture_last_layer && is_captured[i]);
        }
    }
    std::sort(edit_rows.begin(), edit_rows.end());
    // Output index = number of output tokens before a row in the batch.
    std::vector<int32_t> out_rank(batch.n_tokens, -1);
    int32_t n_outputs = 0;
    for (int32_t j = 0; j < batch.n_tokens; ++j) if (batch.logits[j]) out_rank[j] = n_outputs++;
    for (int32_t bi : plan.batch_index) plan.output_index.push_back(out_rank[bi]);
    plan.edit_batch_index = edit_rows;
    for (int32_t bi : edit_rows) if (out_rank[bi] >= 0) plan.edit_output_index.push_back(out_rank[bi]);
    return n_outputs;
}

void decode_with_plan(llama_sae_context & c, llama_batch & batch, const DecodePlan & plan, int32_t n_outputs) {
    c.hook.plan = &plan;
    c.hook.n_batch_tokens = batch.n_tokens;
    c.hook.n_batch_outputs = n_outputs;
    c.hook.error.clear();
    const int32_t rc = llama_decode(c.lctx, batch);
    c.hook.plan = nullptr;
    if (!c.hook.error.empty()) fail(LLAMA_SAE_ERR_DECODE, c.hook.error);
    if (rc != 0) fail(LLAMA_SAE_ERR_DECODE, "llama_decode returned " + std::to_string(rc));
}

void allocate_results(llama_sae_context & c, int64_t n_rows, int32_t n_prompts) {
    const int32_t n_embd = c.model->n_embd;
    c.row_prompt.resize(n_rows);
    c.row_pos.resize(n_rows);
    c.rows.assign(c.capture_layers.size(), {});
    c.codes.assign(c.capture_layers.size(), {});
    for (size_t slot = 0; slot < c.capture_layers.size(); ++slot) {
        c.rows[slot].resize((size_t) n_rows * n_embd);
        const LayerHook & lh = c.hook.layers[c.capture_layers[slot]];
        if (lh.sae) {
            c.codes[slot].k = lh.k;
            c.codes[slot].indices.assign((size_t) n_rows * lh.k, -1);
            c.codes[slot].values.assign((size_t) n_rows * lh.k, 0.0f);
        }
    }
    c.last_logits.resize((size_t) n_prompts * c.model->n_vocab);
    c.generated.assign(n_prompts, {});
    c.n_prompts = n_prompts;
}

}  // namespace llama_sae

namespace {
}  // namespace

extern "C" {

struct llama_sae_context_params llama_sae_context_default_params(void) {
    llama_sae_context_params p{};
    p.n_ctx = 0;
    p.n_seq_max = 16;
    p.n_pack = 0;
    p.n_threads = 0;
    p.hook = true;
    p.kv_f32 = false;
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
        const int32_t n_ctx_train = llama_model_n_ctx_train(model->model);
        int32_t n_ctx = params.n_ctx > 0 ? params.n_ctx : std::min(n_ctx_train > 0 ? n_ctx_train : 4096, 4096);
        const int32_t threads = params.n_threads > 0 ? params.n_threads : (int32_t) std::max(1u, std::thread::hardware_concurrency());

        auto c = std::make_unique<llama_sae_context>();
        c->model = model;
        c->params = params;
        c->n_ctx = n_ctx;
        c->hook.layers.assign(model->n_layer, LayerHook{});
        c->hook.n_embd = model->n_embd;
        c->hook.rows = &c->rows;
        c->hook.codes = &c->codes;
        c->pool = std::make_unique<ThreadPool>(threads);
        c->hook.pool = c->pool.get();

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
        if (params.hook) {
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
    cuda_release_hook(&ctx->hook);
    llama_free(ctx->lctx);
    delete ctx;
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
        for (int32_t il = 0; il < ctx->model->n_layer; ++il) ctx->hook.layers[il].capture_slot = slot[il];
        ctx->capture_layers.assign(layers, layers + n_layers);
        ctx->positions.assign(positions, positions + n_positions);
        ctx->all_positions = all_positions;
        ctx->have_results = false;
    });
}

int32_t llama_sae_context_run(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets, int32_t n_prompts) {
    return guarded([&] {
        if (!ctx || !tokens || !offsets || n_prompts <= 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: null pointer or n_prompts <= 0");
        }
        ctx->have_results = false;
        llama_sae_context & c = *ctx;
        const auto capture_pos = resolve_capture_positions(c, tokens, offsets, n_prompts);
        for (int32_t p = 0; p < n_prompts; ++p) resolve_edit_positions(c, p, offsets[p + 1] - offsets[p]);  // validate first
        int64_t n_rows = 0;
        for (const auto & v : capture_pos) n_rows += (int64_t) v.size();
        allocate_results(c, n_rows, n_prompts);
        const int32_t n_vocab = c.model->n_vocab;

        BatchOwner owner(c.n_ctx);
        llama_batch & batch = owner.batch;
        llama_memory_t mem = llama_get_memory(c.lctx);
        const int32_t pack = std::min(c.n_ctx, c.params.n_pack > 0 ? c.params.n_pack : 512);

        int64_t row_base = 0;
        int32_t p = 0;
        while (p < n_prompts) {
            // Pack whole prompts into one decode call.
            DecodePlan plan;
            plan.first_prompt = p;
            while (p < n_prompts && plan.n_prompts < c.params.n_seq_max &&
                   (plan.n_prompts == 0 || plan.n_tokens + (offsets[p + 1] - offsets[p]) <= pack)) {
                plan.n_tokens += offsets[p + 1] - offsets[p];
                plan.n_prompts++;
                p++;
            }
            const int32_t n_outputs = fill_prompt_batch(c, batch, plan, tokens, offsets, capture_pos, row_base);
            llama_memory_clear(mem, true);
            decode_with_plan(c, batch, plan, n_outputs);

            // Logits of each prompt's last token (llama_get_logits_ith takes the batch index).
            int32_t first_token = 0;
            for (int32_t s = 0; s < plan.n_prompts; ++s) {
                const int32_t pi = plan.first_prompt + s;
                const int32_t len = offsets[pi + 1] - offsets[pi];
                const float * lg = llama_get_logits_ith(c.lctx, first_token + len - 1);
                if (!lg) fail(LLAMA_SAE_ERR_DECODE, "run: no logits for the last token of " + prompt_label(pi));
                std::memcpy(c.last_logits.data() + (size_t) pi * n_vocab, lg, sizeof(float) * n_vocab);
                first_token += len;
            }
        }
        c.have_results = true;
    });
}

int64_t llama_sae_capture_n_rows(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? (int64_t) ctx->row_prompt.size() : 0;
}

const int32_t * llama_sae_capture_row_prompts(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->row_prompt.data() : nullptr;
}

const int32_t * llama_sae_capture_row_positions(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->row_pos.data() : nullptr;
}

const float * llama_sae_capture_rows(const llama_sae_context * ctx, int32_t layer_slot) {
    if (!ctx || !ctx->have_results || layer_slot < 0 || layer_slot >= (int32_t) ctx->rows.size()) return nullptr;
    return ctx->rows[layer_slot].data();
}

const float * llama_sae_context_last_logits(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->last_logits.data() : nullptr;
}

int32_t llama_sae_context_n_prompts(const llama_sae_context * ctx) {
    return ctx && ctx->have_results ? ctx->n_prompts : 0;
}

}  // extern "C"
