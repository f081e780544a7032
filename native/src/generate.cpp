// Batched generation with the hook: one prefill of all prompts, then one decode per step with one
// token per unfinished sequence (llama_sae_context_generate).
#include "api_error.h"
#include "engine_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llama_sae;

namespace {

struct SamplerGuard {
    llama_sampler * s;
    ~SamplerGuard() { llama_sampler_free(s); }
};

llama_sampler * make_sampler(const llama_sae_generate_params & p) {
    llama_sampler * chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    if (p.temperature == 0.0f) {
        llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    } else {
        llama_sampler_chain_add(chain, llama_sampler_init_temp(p.temperature));
        llama_sampler_chain_add(chain, llama_sampler_init_dist(p.seed));
    }
    return chain;
}

}  // namespace

extern "C" {

struct llama_sae_generate_params llama_sae_generate_default_params(void) {
    llama_sae_generate_params p{};
    p.max_tokens = 64;
    p.temperature = 0.0f;
    p.seed = 0;
    return p;
}

int32_t llama_sae_context_generate(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets, int32_t n_prompts,
                                   struct llama_sae_generate_params params) {
    return guarded([&] {
        if (!ctx || !tokens || !offsets || n_prompts <= 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: null pointer or n_prompts <= 0");
        if (params.max_tokens < 1) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: max_tokens must be >= 1");
        if (!(params.temperature >= 0.0f) || !std::isfinite(params.temperature)) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: temperature must be finite and >= 0");
        }
        llama_sae_context & c = *ctx;
        c.have_results = false;
        if (n_prompts > c.params.n_seq_max) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: " + std::to_string(n_prompts) + " prompts but n_seq_max is " +
                 std::to_string(c.params.n_seq_max) + " (generate in smaller groups)");
        }
        const auto capture_pos = resolve_capture_positions(c, tokens, offsets, n_prompts);
        for (int32_t p = 0; p < n_prompts; ++p) resolve_edit_positions(c, p, offsets[p + 1] - offsets[p]);
        const int64_t need = (int64_t) offsets[n_prompts] + (int64_t) n_prompts * params.max_tokens;
        if (need > c.n_ctx) {
            fail(LLAMA_SAE_ERR_CONTEXT_OVERFLOW, "generate: " + std::to_string(offsets[n_prompts]) + " prompt tokens + " +
                 std::to_string(n_prompts) + " x " + std::to_string(params.max_tokens) + " new tokens exceed the context of " +
                 std::to_string(c.n_ctx) + " tokens");
        }
        const auto & gsteps = c.generated_steps;
        const bool capture_gen = !gsteps.empty() && !c.capture_layers.empty();
        int32_t max_step = 0;
        for (int32_t g : gsteps) max_step = std::max(max_step, g);
        if (capture_gen && params.max_tokens <= max_step) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: capturing generated step " + std::to_string(max_step) +
                 " needs max_tokens > " + std::to_string(max_step) + ", found " + std::to_string(params.max_tokens));
        }
        int64_t n_prompt_rows = 0;
        for (const auto & v : capture_pos) n_prompt_rows += (int64_t) v.size();
        const int64_t n_gen_rows = capture_gen ? (int64_t) n_prompts * (int64_t) gsteps.size() : 0;
        allocate_results(c, n_prompt_rows + n_gen_rows, n_prompts);
        // Generated-step rows start as "not generated": NaN rows, position -1.
        for (int64_t r = n_prompt_rows; r < n_prompt_rows + n_gen_rows; ++r) {
            const int64_t i = r - n_prompt_rows;
            c.row_prompt[r] = (int32_t) (i / (int64_t) gsteps.size());
            c.row_pos[r] = -1;
            for (auto & rows : c.rows) std::fill(rows.begin() + r * c.model->n_embd, rows.begin() + (r + 1) * c.model->n_embd, NAN);
        }
        const int32_t n_vocab = c.model->n_vocab;

        BatchOwner owner(c.n_ctx);
        llama_batch & batch = owner.batch;
        SamplerGuard sampler{make_sampler(params)};
        llama_memory_clear(llama_get_memory(c.lctx), true);

        // Prefill: all prompts in one decode call, sequence id = prompt index.
        DecodePlan prefill;
        prefill.n_prompts = n_prompts;
        prefill.n_tokens = offsets[n_prompts];
        int64_t row_base = 0;
        const int32_t n_outputs = fill_prompt_batch(c, batch, prefill, tokens, offsets, capture_pos, row_base);
        decode_with_plan(c, batch, prefill, n_outputs);

        std::vector<int32_t> batch_of(n_prompts);  // batch index holding each prompt's latest logits
        for (int32_t p = 0; p < n_prompts; ++p) {
            batch_of[p] = offsets[p + 1] - 1;
            const float * lg = llama_get_logits_ith(c.lctx, batch_of[p]);
            if (!lg) fail(LLAMA_SAE_ERR_DECODE, "generate: no logits for prompt " + std::to_string(p));
            std::memcpy(c.last_logits.data() + (size_t) p * n_vocab, lg, sizeof(float) * n_vocab);
        }

        std::vector<char> done(n_prompts, 0);
        for (int32_t step = 0; step < params.max_tokens; ++step) {
            // Sample the next token of every unfinished sequence from its latest logits.
            std::vector<int32_t> active;
            std::vector<int32_t> next;
            for (int32_t p = 0; p < n_prompts; ++p) {
                if (done[p]) continue;
                const llama_token tok = llama_sampler_sample(sampler.s, c.lctx, batch_of[p]);
                if (llama_vocab_is_eog(c.model->vocab, tok)) {
                    done[p] = 1;
                    continue;
                }
                c.generated[p].push_back(tok);
                if (step + 1 == params.max_tokens) continue;  // the last token needs no forward pass
                active.push_back(p);
                next.push_back(tok);
            }
            if (active.empty()) break;
            // One token per active sequence; edits at generated tokens if requested, no capture.
            DecodePlan plan;
            plan.n_prompts = (int32_t) active.size();
            plan.n_tokens = (int32_t) active.size();
            batch.n_tokens = 0;
            for (size_t i = 0; i < active.size(); ++i) {
                const int32_t p = active[i];
                const int32_t j = batch.n_tokens++;
                const int32_t gen_step = (int32_t) c.generated[p].size();  // this token is the gen_step-th generated
                for (size_t q = 0; capture_gen && q < gsteps.size(); ++q) {
                    if (gsteps[q] != gen_step) continue;
                    const int64_t r = n_prompt_rows + (int64_t) p * (int64_t) gsteps.size() + (int64_t) q;
                    plan.batch_index.push_back(j);
                    plan.output_index.push_back(j);
                    plan.row_index.push_back(r);
                    c.row_pos[r] = (offsets[p + 1] - offsets[p]) + gen_step - 1;
                }
                batch.token[j] = next[i];
                batch.pos[j] = (offsets[p + 1] - offsets[p]) + gen_step - 1;
                batch.n_seq_id[j] = 1;
                batch.seq_id[j][0] = p;
                batch.logits[j] = true;
                batch_of[p] = j;
                if (c.edit_generated || c.edit_all_positions) {
                    plan.edit_batch_index.push_back(j);
                    plan.edit_output_index.push_back(j);
                }
            }
            decode_with_plan(c, batch, plan, batch.n_tokens);
        }
        c.have_results = true;
    });
}

int32_t llama_sae_context_set_capture_generated(llama_sae_context * ctx, const int32_t * steps, int32_t n_steps) {
    return guarded([&] {
        if (!ctx || n_steps < 0 || (n_steps > 0 && !steps)) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture_generated: null pointer or negative count");
        for (int32_t i = 0; i < n_steps; ++i) {
            if (steps[i] < 1) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture_generated: steps are 1-based, found " + std::to_string(steps[i]));
        }
        ctx->generated_steps.assign(steps, steps + n_steps);
        ctx->have_results = false;
    });
}

const int32_t * llama_sae_generated_tokens(const llama_sae_context * ctx, int32_t prompt, int32_t * n_tokens) {
    if (n_tokens) *n_tokens = 0;
    if (!ctx || !ctx->have_results || prompt < 0 || prompt >= (int32_t) ctx->generated.size()) return nullptr;
    if (n_tokens) *n_tokens = (int32_t) ctx->generated[prompt].size();
    return ctx->generated[prompt].data();
}

}  // extern "C"
