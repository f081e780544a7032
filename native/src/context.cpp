// Contexts, capture specs and batched runs (llama_sae_context_*).
#include "api_error.h"
#include "engine_internal.h"

#include <algorithm>
#include <cstring>
#include <thread>

using namespace llama_sae;

namespace {

std::string prompt_label(int32_t i) { return "prompt " + std::to_string(i); }

// Validates the prompts and resolves the capture positions of each; returns the positions per prompt.
std::vector<std::vector<int32_t>> resolve_positions(const llama_sae_context & c, const int32_t * tokens,
                                                    const int32_t * offsets, int32_t n_prompts) {
    std::vector<std::vector<int32_t>> out(n_prompts);
    if (offsets[0] != 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: offsets[0] must be 0, found " + std::to_string(offsets[0]));
    const bool capturing = !c.hook.layers.empty();
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
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "run: position " + std::to_string(q) + " is outside " + prompt_label(p) +
                     " of " + std::to_string(len) + " tokens (valid: 0.." + std::to_string(len - 1) + " or -" +
                     std::to_string(len) + "..-1)");
            }
            out[p].push_back(pos);
        }
    }
    return out;
}

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
        c->hook.n_layer = model->n_layer;
        c->hook.n_embd = model->n_embd;
        c->hook.slot_of_layer.assign(model->n_layer, -1);
        c->hook.rows = &c->rows;
        c->hook.saes = &c->saes;
        c->pool = std::make_unique<ThreadPool>(threads);
        c->hook.pool = c->pool.get();

        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = n_ctx;
        // One ubatch per decode call: the hook then sees each layer once per call, rows in batch order.
        cp.n_batch = n_ctx;
        cp.n_ubatch = n_ctx;
        cp.n_seq_max = params.n_seq_max;
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
        if (n_layers > 0 && !all_positions && n_positions == 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture: no positions given (use all_positions or list positions)");
        }
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
        // SAEs stay attached to their layer while it is still captured.
        std::vector<AttachedSae> saes(n_layers);
        for (size_t old = 0; old < ctx->saes.size(); ++old) {
            const int32_t now = slot[ctx->hook.layers[old]];
            if (now >= 0) {
                saes[now].sae = ctx->saes[old].sae;
                saes[now].k = ctx->saes[old].k;
            }
        }
        ctx->saes = std::move(saes);
        ctx->hook.layers.assign(layers, layers + n_layers);
        ctx->hook.slot_of_layer = slot;
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
        const auto pos_of = resolve_positions(c, tokens, offsets, n_prompts);
        const int32_t n_embd = c.model->n_embd;
        const int32_t n_vocab = c.model->n_vocab;
        const bool capture_last_layer =
            !c.hook.layers.empty() && c.hook.slot_of_layer[c.model->n_layer - 1] >= 0;

        // Results layout: rows prompt by prompt, positions in spec order.
        int64_t n_rows = 0;
        for (const auto & v : pos_of) n_rows += (int64_t) v.size();
        c.row_prompt.resize(n_rows);
        c.row_pos.resize(n_rows);
        c.rows.assign(c.hook.layers.size(), {});
        for (auto & r : c.rows) r.resize((size_t) n_rows * n_embd);
        for (auto & a : c.saes) {
            a.indices.assign(a.sae ? (size_t) n_rows * a.k : 0, -1);
            a.values.assign(a.sae ? (size_t) n_rows * a.k : 0, 0.0f);
        }
        c.last_logits.resize((size_t) n_prompts * n_vocab);
        c.n_prompts = n_prompts;

        llama_batch batch = llama_batch_init(c.n_ctx, 0, 1);
        struct BatchGuard { llama_batch & b; ~BatchGuard() { llama_batch_free(b); } } guard{batch};
        llama_memory_t mem = llama_get_memory(c.lctx);

        int64_t row_base = 0;
        int32_t p = 0;
        while (p < n_prompts) {
            // Pack as many whole prompts as fit into one decode call.
            DecodePlan plan;
            plan.first_prompt = p;
            const int32_t pack = std::min(c.n_ctx, c.params.n_pack > 0 ? c.params.n_pack : 512);
            while (p < n_prompts && plan.n_prompts < c.params.n_seq_max &&
                   (plan.n_prompts == 0 || plan.n_tokens + (offsets[p + 1] - offsets[p]) <= pack)) {
                plan.n_tokens += offsets[p + 1] - offsets[p];
                plan.n_prompts++;
                p++;
            }
            batch.n_tokens = 0;
            int32_t n_outputs = 0;
            for (int32_t s = 0; s < plan.n_prompts; ++s) {
                const int32_t pi = plan.first_prompt + s;
                const int32_t len = offsets[pi + 1] - offsets[pi];
                const auto & want = pos_of[pi];
                // Rows of this prompt in spec order; find their batch indices.
                for (size_t r = 0; r < want.size(); ++r) {
                    plan.batch_index.push_back(batch.n_tokens + want[r]);
                    plan.row_index.push_back(row_base + (int64_t) r);
                    c.row_prompt[row_base + r] = pi;
                    c.row_pos[row_base + r] = want[r];
                }
                row_base += (int64_t) want.size();
                std::vector<char> is_captured(len, 0);
                for (int32_t q : want) is_captured[q] = 1;
                for (int32_t i = 0; i < len; ++i) {
                    const int32_t j = batch.n_tokens++;
                    batch.token[j] = tokens[offsets[pi] + i];
                    batch.pos[j] = i;
                    batch.n_seq_id[j] = 1;
                    batch.seq_id[j][0] = s;
                    const bool out = i == len - 1 || (capture_last_layer && is_captured[i]);
                    batch.logits[j] = out;
                    n_outputs += out;
                }
            }
            // Output index of each captured row = number of output tokens before it in the batch.
            std::vector<int32_t> out_rank(batch.n_tokens, -1);
            for (int32_t j = 0, o = 0; j < batch.n_tokens; ++j) if (batch.logits[j]) out_rank[j] = o++;
            for (int32_t bi : plan.batch_index) plan.output_index.push_back(out_rank[bi]);

            llama_memory_clear(mem, true);
            c.hook.plan = &plan;
            c.hook.n_batch_tokens = batch.n_tokens;
            c.hook.n_batch_outputs = n_outputs;
            c.hook.error.clear();
            const int32_t rc = llama_decode(c.lctx, batch);
            c.hook.plan = nullptr;
            if (!c.hook.error.empty()) fail(LLAMA_SAE_ERR_DECODE, c.hook.error);
            if (rc != 0) fail(LLAMA_SAE_ERR_DECODE, "run: llama_decode returned " + std::to_string(rc));

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
