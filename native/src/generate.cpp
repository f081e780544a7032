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
        // Prefill: all prompts in one decode call (sequence id = prompt index); generated steps
        // get their row blocks after the prompt blocks.
        DecodePlan plan = plan_prompts(plan_inputs(c), c.capture, c.edit_placement, tokens, offsets, n_prompts, true, true);
        const int64_t need = (int64_t) offsets[n_prompts] + (int64_t) n_prompts * params.max_tokens;
        if (need > c.n_ctx) {
            fail(LLAMA_SAE_ERR_CONTEXT_OVERFLOW, "generate: " + std::to_string(offsets[n_prompts]) + " prompt tokens + " +
                 std::to_string(n_prompts) + " x " + std::to_string(params.max_tokens) + " new tokens exceed the context of " +
                 std::to_string(c.n_ctx) + " tokens");
        }
        const auto & gsteps = c.capture.generated_steps;
        const bool capture_gen = !gsteps.empty() && !c.capture.layers.empty();
        int32_t max_step = 0;
        for (int32_t g : gsteps) max_step = std::max(max_step, g);
        if (capture_gen && params.max_tokens <= max_step) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "generate: capturing generated step " + std::to_string(max_step) +
                 " needs max_tokens > " + std::to_string(max_step) + ", found " + std::to_string(params.max_tokens));
        }
        const int32_t first_gen_block = plan.layout.n_blocks() - (capture_gen ? (int32_t) gsteps.size() : 0);
        allocate_results(c, std::move(plan.layout), n_prompts);
        RowLayout & layout = c.results.layout;
        // Generated-step rows start as "not generated": NaN rows, codes (-1, 0), position -1.
        const int64_t gen_rows_from = layout.block_offset[first_gen_block];
        const int32_t d = c.model->n_embd;
        for (auto & s : c.results.slots) {
            if (!s.rows.empty()) std::fill(s.rows.begin() + gen_rows_from * d, s.rows.end(), NAN);
            if (!s.idx.empty()) {
                std::fill(s.idx.begin() + gen_rows_from * s.k, s.idx.end(), -1);
                std::fill(s.val.begin() + gen_rows_from * s.k, s.val.end(), 0.0f);
            }
        }
        begin_run(c);
        const int32_t n_vocab = c.model->n_vocab;

        BatchOwner owner(c.n_ctx);
        llama_batch & batch = owner.batch;
        SamplerGuard sampler{make_sampler(params)};
        llama_memory_clear(llama_get_memory(c.lctx), true);
        fill_batch(plan.calls[0], tokens, offsets, batch);
        decode_call(c, batch, plan.calls[0]);

        std::vector<int32_t> batch_of(n_prompts);  // batch index holding each prompt's latest logits
        for (int32_t p = 0; p < n_prompts; ++p) {
            batch_of[p] = offsets[p + 1] - 1;
            const float * lg = llama_get_logits_ith(c.lctx, batch_of[p]);
            if (!lg) fail(LLAMA_SAE_ERR_DECODE, "generate: no logits for prompt " + std::to_string(p));
            std::memcpy(c.results.last_logits.data() + (size_t) p * n_vocab, lg, sizeof(float) * n_vocab);
        }

        const bool edit_generated = c.edit_placement.generated || c.edit_placement.all_positions;
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
                c.results.generated[p].push_back(tok);
                if (step + 1 == params.max_tokens) continue;  // the last token needs no forward pass
                active.push_back(p);
                next.push_back(tok);
            }
            if (active.empty()) break;
            // One token per active sequence, every one an output: captured at its generated step,
            // edited when edits act on generated tokens.
            CallPlan call;
            call.n_prompts = (int32_t) active.size();
            call.n_tokens = (int32_t) active.size();
            call.n_outputs = call.n_tokens;
            call.n_last_rows = call.n_tokens;
            batch.n_tokens = 0;
            for (size_t i = 0; i < active.size(); ++i) {
                const int32_t p = active[i];
                const int32_t j = batch.n_tokens++;
                const int32_t gen_step = (int32_t) c.results.generated[p].size();  // this token is the gen_step-th generated
                const int32_t pos = (offsets[p + 1] - offsets[p]) + gen_step - 1;
                bool captured = false;
                for (size_t q = 0; capture_gen && q < gsteps.size(); ++q) captured = captured || gsteps[q] == gen_step;
                if (captured || edit_generated) {
                    const int32_t w = call.add_work(j, p, pos, captured, edit_generated);
                    call.output_index[w] = j;
                    call.last_index[w] = j;
                    for (size_t q = 0; captured && q < gsteps.size(); ++q) {
                        if (gsteps[q] != gen_step) continue;
                        const int32_t block = first_gen_block + (int32_t) q;
                        const int64_t row = layout.block_offset[block] + p;
                        call.dests.push_back({w, block, row});
                        layout.row_pos[row] = pos;
                    }
                }
                batch.token[j] = next[i];
                batch.pos[j] = pos;
                batch.n_seq_id[j] = 1;
                batch.seq_id[j][0] = p;
                batch.logits[j] = true;
                batch_of[p] = j;
            }
            decode_call(c, batch, call);
        }
        finish_run(c);
        c.have_results = true;
    });
}

int32_t llama_sae_context_set_capture_generated(llama_sae_context * ctx, const int32_t * steps, int32_t n_steps) {
    return guarded([&] {
        if (!ctx || n_steps < 0 || (n_steps > 0 && !steps)) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture_generated: null pointer or negative count");
        for (int32_t i = 0; i < n_steps; ++i) {
            if (steps[i] < 1) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture_generated: steps are 1-based, found " + std::to_string(steps[i]));
        }
        ctx->capture.generated_steps.assign(steps, steps + n_steps);
        ctx->have_results = false;
    });
}

const int32_t * llama_sae_generated_tokens(const llama_sae_context * ctx, int32_t prompt, int32_t * n_tokens) {
    if (n_tokens) *n_tokens = 0;
    if (!ctx || !ctx->have_results || prompt < 0 || prompt >= (int32_t) ctx->results.generated.size()) return nullptr;
    if (n_tokens) *n_tokens = (int32_t) ctx->results.generated[prompt].size();
    return ctx->results.generated[prompt].data();
}

}  // extern "C"
