// Spliced-in SAE evaluation (llama_sae_context_eval_splice, llama_sae_context_splice_sums): the
// next-token cross-entropy of the model with one layer's residual stream replaced by its SAE's
// reconstruction (or by zeros), and the KL divergence to the clean model's distribution, computed
// here where the logits are: no [tokens x vocab] matrix leaves the engine.
//
// One decode call of the plan runs 1 + 2 n_layers times (clean, then spliced and zero-ablated per
// layer), each time from a cleared memory and with logits at every token. The hook does the
// splicing: every token of the layer is an "edited" row of the decode plan, and the layer's spec
// (a copy of the context's, the capture and the interventions left out) says what replaces it.
#include "api_error.h"
#include "engine_internal.h"
#include "exact_sum.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace llama_sae;

namespace {

// Points the hook at the evaluation's layer specs for its scope (the context's own stay untouched).
class HookLayers {
public:
    HookLayers(Hook & hook, const std::vector<LayerSpec> * layers) : hook_(hook), saved_(hook.layers) { hook.layers = layers; }
    ~HookLayers() { hook_.layers = saved_; }
    HookLayers(const HookLayers &) = delete;
    HookLayers & operator=(const HookLayers &) = delete;

private:
    Hook & hook_;
    const std::vector<LayerSpec> * saved_;
};

// log(sum_v exp(l_v)) in double (max-subtracted).
double log_sum_exp(const float * l, int32_t n) {
    double m = -std::numeric_limits<double>::infinity();
    for (int32_t v = 0; v < n; ++v) m = std::max(m, (double) l[v]);
    double s = 0;
    for (int32_t v = 0; v < n; ++v) s += std::exp((double) l[v] - m);
    return m + std::log(s);
}

// The tokens of one decode call: batch index j -> prompt, position, next token (-1 for a prompt's last).
struct CallTokens {
    std::vector<int32_t> prompt, position, target;
};

CallTokens call_tokens(const CallPlan & call, const int32_t * tokens, const int32_t * offsets) {
    CallTokens t;
    for (int32_t s = 0; s < call.n_prompts; ++s) {
        const int32_t p = call.first_prompt + s;
        const int32_t len = offsets[p + 1] - offsets[p];
        for (int32_t i = 0; i < len; ++i) {
            t.prompt.push_back(p);
            t.position.push_back(i);
            t.target.push_back(i + 1 < len ? tokens[offsets[p] + i + 1] : -1);
        }
    }
    return t;
}

// The logits row of every token of the call (llama_get_logits_ith may reorder its outputs on first
// use, so the rows are looked up once, on this thread, before any worker reads them).
void logits_rows(llama_context * lctx, int32_t n, std::vector<const float *> & rows) {
    rows.resize(n);
    for (int32_t j = 0; j < n; ++j) {
        rows[j] = llama_get_logits_ith(lctx, j);
        if (!rows[j]) fail(LLAMA_SAE_ERR_DECODE, "eval_splice: no logits for token " + std::to_string(j) + " of the decode call");
    }
}

// Adds a per-token value to an exact sum; a value the sum cannot hold ends the evaluation.
void add_token_value(int64_t * acc, double v, const char * what, const std::string & where, const CallTokens & t, int32_t j) {
    if (!std::isfinite(v) || std::fabs(v) >= kExactSumMaxAbs) {
        fail(LLAMA_SAE_ERR_DECODE, std::string("eval_splice: ") + what + " " + std::to_string(v) + " " + where + " at prompt " +
             std::to_string(t.prompt[j]) + " position " + std::to_string(t.position[j]) + " (expected a finite value)");
    }
    add_value(acc, v);
}

}  // namespace

extern "C" {

int32_t llama_sae_context_eval_splice(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets, int32_t n_prompts,
                                      const int32_t * layers, int32_t n_layers) {
    return guarded([&] {
        if (!ctx || !tokens || !offsets || n_prompts <= 0 || !layers || n_layers <= 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "eval_splice: null pointer, n_prompts <= 0 or n_layers <= 0");
        }
        llama_sae_context & c = *ctx;
        if (!c.params.hook) fail(LLAMA_SAE_ERR_STATE, "eval_splice: context was created without the hook");
        c.splice.valid = false;
        c.have_results = false;
        const int32_t n_layer = c.model->n_layer;
        std::vector<uint8_t> listed(n_layer, 0);
        for (int32_t i = 0; i < n_layers; ++i) {
            const int32_t il = layers[i];
            if (il < 0 || il >= n_layer) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "eval_splice: layer " + std::to_string(il) + " out of range: the model has " +
                     std::to_string(n_layer) + " blocks (valid 0.." + std::to_string(n_layer - 1) + ")");
            }
            if (listed[il]) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "eval_splice: layer " + std::to_string(il) + " listed twice");
            listed[il] = 1;
            if (!c.layers[il].sae) fail(LLAMA_SAE_ERR_STATE, "eval_splice: no SAE attached at layer " + std::to_string(il));
        }

        // The plan: no capture, every token an edited row (the spliced layer replaces them all) and an output.
        PlanInputs in = plan_inputs(c);
        in.last_layer_captured = false;
        in.any_edits = true;
        in.keep_last_rows = false;
        in.all_outputs = true;
        CaptureSpec no_capture;
        EditPlacement every_token;
        every_token.all_positions = true;
        const DecodePlan plan = plan_prompts(in, no_capture, every_token, tokens, offsets, n_prompts, false, false);

        // The layers as the evaluation sees them: the attached SAEs, no capture, no interventions.
        std::vector<LayerSpec> eval_layers(n_layer);
        for (int32_t il = 0; il < n_layer; ++il) {
            eval_layers[il].sae = c.layers[il].sae;
            eval_layers[il].k = c.layers[il].k;
        }
        HookLayers scope(c.hook, &eval_layers);

        SpliceSums sums;
        sums.layers.assign(layers, layers + n_layers);
        sums.sums.assign((size_t) 8 * n_layers, 0);
        const int32_t n_vocab = c.model->n_vocab;
        BatchOwner owner(c.n_ctx);
        llama_batch & batch = owner.batch;
        llama_memory_t mem = llama_get_memory(c.lctx);
        std::vector<float> clean;     // [call tokens, n_vocab] the clean logits of the call
        std::vector<double> clean_lse, lse, ce, kl;
        std::vector<const float *> rows;
        for (const CallPlan & call : plan.calls) {
            const CallTokens t = call_tokens(call, tokens, offsets);
            const int32_t n = call.n_tokens;
            fill_batch(call, tokens, offsets, batch);
            clean.resize((size_t) n * n_vocab);
            clean_lse.assign(n, 0);
            lse.assign(n, 0);
            ce.assign(n, 0);
            kl.assign(n, 0);

            // Clean: keep the logits and their log-normalizers for the KL terms.
            llama_memory_clear(mem, true);
            decode_call(c, batch, call);
            logits_rows(c.lctx, n, rows);
            parallel_for(c.pool.get(), n, [&](int64_t j, int) {
                const float * l = rows[j];
                std::memcpy(clean.data() + j * n_vocab, l, sizeof(float) * n_vocab);
                clean_lse[j] = log_sum_exp(l, n_vocab);
                ce[j] = t.target[j] >= 0 ? clean_lse[j] - l[t.target[j]] : 0.0;
            });
            for (int32_t j = 0; j < n; ++j) {
                if (t.target[j] >= 0) add_token_value(sums.clean_ce, ce[j], "cross-entropy", "of the clean model", t, j);
            }

            // Each layer spliced, then zero-ablated.
            for (int32_t li = 0; li < n_layers; ++li) {
                for (int32_t mode = 0; mode < 2; ++mode) {
                    LayerSpec & spec = eval_layers[layers[li]];
                    spec.splice = mode == 0 ? Splice::Reconstruction : Splice::Zero;
                    llama_memory_clear(mem, true);
                    try {
                        decode_call(c, batch, call);
                    } catch (...) {
                        spec.splice = Splice::None;
                        throw;
                    }
                    spec.splice = Splice::None;
                    logits_rows(c.lctx, n, rows);
                    parallel_for(c.pool.get(), n, [&](int64_t j, int) {
                        const float * l = rows[j];
                        const float * lc = clean.data() + j * n_vocab;
                        lse[j] = log_sum_exp(l, n_vocab);
                        ce[j] = t.target[j] >= 0 ? lse[j] - l[t.target[j]] : 0.0;
                        // KL(clean || other) = sum_v p_c (log p_c - log p_o)
                        double k = 0;
                        for (int32_t v = 0; v < n_vocab; ++v) {
                            const double log_pc = (double) lc[v] - clean_lse[j];
                            k += std::exp(log_pc) * (log_pc - ((double) l[v] - lse[j]));
                        }
                        kl[j] = k;
                    });
                    const std::string where = std::string(mode == 0 ? "with the SAE spliced in" : "with the residual zero-ablated") +
                                              " at layer " + std::to_string(layers[li]);
                    int64_t * acc = sums.sums.data() + (size_t) 8 * li + 4 * mode;
                    for (int32_t j = 0; j < n; ++j) {
                        if (t.target[j] >= 0) add_token_value(acc, ce[j], "cross-entropy", where, t, j);
                        add_token_value(acc + 2, kl[j], "KL divergence", where, t, j);
                    }
                }
            }
            for (int32_t j = 0; j < n; ++j) {
                sums.kl_tokens++;
                if (t.target[j] >= 0) sums.ce_tokens++;
            }
        }
        sums.valid = true;
        c.splice = std::move(sums);
    });
}

int32_t llama_sae_context_splice_sums(const llama_sae_context * ctx, struct llama_sae_splice_sums * out) {
    return guarded([&] {
        if (!ctx || !out) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "splice_sums: null pointer");
        if (!ctx->splice.valid) fail(LLAMA_SAE_ERR_STATE, "splice_sums: no spliced-in evaluation (call eval_splice first)");
        out->ce_tokens = ctx->splice.ce_tokens;
        out->kl_tokens = ctx->splice.kl_tokens;
        out->n_layers = (int32_t) ctx->splice.layers.size();
        out->layers = ctx->splice.layers.data();
        out->clean_ce = ctx->splice.clean_ce;
        out->sums = ctx->splice.sums.data();
    });
}

}  // extern "C"
