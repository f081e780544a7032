#include "decode_plan.h"

#include "api_error.h"
#include "llama.h"

#include <algorithm>

namespace llama_sae {

namespace {

std::string prompt_label(int32_t i) { return "prompt " + std::to_string(i); }

// Checks a prompt's length and token ids.
void check_prompt(const PlanInputs & in, const int32_t * tokens, const int32_t * offsets, int32_t p) {
    const int32_t len = offsets[p + 1] - offsets[p];
    if (len <= 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: " + prompt_label(p) + " is empty (expected at least one token)");
    if (len > in.n_ctx) {
        fail(LLAMA_SAE_ERR_CONTEXT_OVERFLOW, "run: " + prompt_label(p) + " has " + std::to_string(len) +
             " tokens but the context holds " + std::to_string(in.n_ctx) + " (raise n_ctx or shorten the prompt)");
    }
    for (int32_t i = offsets[p]; i < offsets[p + 1]; ++i) {
        if (tokens[i] < 0 || tokens[i] >= in.n_vocab) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "run: " + prompt_label(p) + " has token id " + std::to_string(tokens[i]) +
                 " outside the vocabulary [0, " + std::to_string(in.n_vocab) + ")");
        }
    }
}

// Resolves positions (>= 0 absolute, < 0 from the end) against a prompt of len tokens.
std::vector<int32_t> resolve(const std::vector<int32_t> & positions, bool all, int32_t p, int32_t len, const char * what) {
    std::vector<int32_t> out;
    if (all) {
        for (int32_t i = 0; i < len; ++i) out.push_back(i);
        return out;
    }
    for (int32_t q : positions) {
        const int32_t pos = q >= 0 ? q : len + q;
        if (pos < 0 || pos >= len) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, std::string("run: ") + what + std::to_string(q) + ": expected a position inside " + prompt_label(p) +
                 " of " + std::to_string(len) + " tokens (0.." + std::to_string(len - 1) + " or -" + std::to_string(len) +
                 "..-1) but found " + std::to_string(q));
        }
        out.push_back(pos);
    }
    return out;
}

}  // namespace

int32_t CallPlan::add_work(int32_t batch, int32_t prompt_index, int32_t pos, bool is_captured, bool is_edited) {
    batch_index.push_back(batch);
    output_index.push_back(-1);
    last_index.push_back(-1);
    prompt.push_back(prompt_index);
    position.push_back(pos);
    captured.push_back(is_captured ? 1 : 0);
    edited.push_back(is_edited ? 1 : 0);
    return n_work() - 1;
}

DecodePlan plan_prompts(const PlanInputs & in, const CaptureSpec & capture, const EditPlacement & edits, const int32_t * tokens,
                        const int32_t * offsets, int32_t n_prompts, bool generating, bool with_generated) {
    if (offsets[0] != 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "run: offsets[0] must be 0, found " + std::to_string(offsets[0]));
    const bool capturing = !capture.layers.empty();
    const bool fixed = capturing && !capture.all_positions;
    std::vector<std::vector<int32_t>> cap(n_prompts), ed(n_prompts);
    for (int32_t p = 0; p < n_prompts; ++p) {
        check_prompt(in, tokens, offsets, p);
        const int32_t len = offsets[p + 1] - offsets[p];
        if (capturing) cap[p] = resolve(capture.positions, capture.all_positions, p, len, "position ");
        if (in.any_edits) ed[p] = resolve(edits.positions, edits.all_positions, p, len, "intervention position ");
    }

    DecodePlan plan;
    RowLayout & L = plan.layout;
    // Blocks: one per position (fixed), or one for all tokens; then one per generated step.
    if (fixed) {
        for (size_t j = 0; j < capture.positions.size(); ++j) L.block_offset.push_back(L.block_offset.back() + n_prompts);
    } else if (capturing) {
        L.block_offset.push_back((int64_t) offsets[n_prompts]);
    }
    const int32_t n_prompt_blocks = L.n_blocks();
    if (capturing && with_generated) {
        for (size_t q = 0; q < capture.generated_steps.size(); ++q) L.block_offset.push_back(L.block_offset.back() + n_prompts);
    }
    L.row_prompt.assign(L.n_rows(), -1);
    L.row_pos.assign(L.n_rows(), -1);
    for (int32_t b = 0; b < n_prompt_blocks; ++b) {
        for (int32_t p = 0; p < n_prompts; ++p) {
            const int32_t len = offsets[p + 1] - offsets[p];
            if (fixed) {
                L.row_prompt[L.block_offset[b] + p] = p;
                L.row_pos[L.block_offset[b] + p] = cap[p][b];
            } else {
                for (int32_t i = 0; i < len; ++i) {
                    L.row_prompt[offsets[p] + i] = p;
                    L.row_pos[offsets[p] + i] = i;
                }
            }
        }
    }
    for (int32_t b = n_prompt_blocks; b < L.n_blocks(); ++b) {
        for (int32_t p = 0; p < n_prompts; ++p) L.row_prompt[L.block_offset[b] + p] = p;
    }

    // Pack whole prompts into calls, in prompt_order: a unified KV cache packs prompts of any
    // length (and generate's prefill is one call); one KV cache per sequence packs equal lengths.
    const int32_t pack = std::min(in.n_ctx, in.n_pack > 0 ? in.n_pack : 512);
    const std::vector<int32_t> order = prompt_order(in, offsets, n_prompts);
    auto length = [&](int32_t r) { return offsets[order[r] + 1] - offsets[order[r]]; };
    for (int32_t r = 0; r < n_prompts;) {
        CallPlan call;
        call.first_seq = generating ? r : 0;  // generate keeps every sequence in the cache at once
        auto fits = [&](int32_t next) {
            if (call.prompts.empty()) return true;
            if (in.kv_per_seq) {
                return length(next) == length(r - 1) && (int32_t) call.prompts.size() < in.n_seq_max &&
                       call.n_tokens + length(next) <= pack;
            }
            return generating || ((int32_t) call.prompts.size() < in.n_seq_max && call.n_tokens + length(next) <= pack);
        };
        while (r < n_prompts && fits(r)) {
            call.n_tokens += length(r);
            call.prompts.push_back(order[r]);
            r++;
        }
        std::vector<char> is_output(call.n_tokens, 0);
        std::vector<int32_t> last_extra;  // captured rows the last layer needs besides the outputs
        int32_t base = 0;
        for (const int32_t pi : call.prompts) {
            const int32_t len = offsets[pi + 1] - offsets[pi];
            std::vector<char> c(len, 0), e(len, 0);
            for (int32_t q : cap[pi]) c[q] = 1;
            for (int32_t q : ed[pi]) e[q] = 1;
            is_output[base + len - 1] = 1;
            if (in.all_outputs) std::fill(is_output.begin() + base, is_output.begin() + base + len, 1);
            for (int32_t i = 0; i < len; ++i) {
                if (!c[i] && !e[i]) continue;
                const int32_t w = call.add_work(base + i, pi, i, c[i], e[i]);
                if (c[i] && in.last_layer_captured && i != len - 1) last_extra.push_back(base + i);
                if (!c[i]) continue;
                if (fixed) {
                    for (size_t j = 0; j < cap[pi].size(); ++j) {
                        if (cap[pi][j] == i) call.dests.push_back({w, (int32_t) j, L.block_offset[j] + pi});
                    }
                } else {
                    call.dests.push_back({w, 0, (int64_t) offsets[pi] + i});
                }
            }
            base += len;
        }
        // The last layer keeps its captured rows: without logits when the patched llama.cpp can,
        // else as extra outputs (their logits are computed and ignored).
        if (in.keep_last_rows) {
            call.last_layer_rows = last_extra;
        } else {
            call.extra_outputs = last_extra;
            for (int32_t b : last_extra) is_output[b] = 1;
        }
        call.all_outputs = in.all_outputs;
        std::vector<int32_t> out_rank(call.n_tokens, -1), last_rank(call.n_tokens, -1);
        std::vector<char> kept(is_output.begin(), is_output.end());
        for (int32_t b : call.last_layer_rows) kept[b] = 1;
        for (int32_t j = 0; j < call.n_tokens; ++j) {
            if (is_output[j]) out_rank[j] = call.n_outputs++;
            if (kept[j]) last_rank[j] = call.n_last_rows++;
        }
        for (int32_t w = 0; w < call.n_work(); ++w) {
            call.output_index[w] = out_rank[call.batch_index[w]];
            call.last_index[w] = last_rank[call.batch_index[w]];
        }
        plan.calls.push_back(std::move(call));
    }
    return plan;
}

std::vector<int32_t> prompt_order(const PlanInputs & in, const int32_t * offsets, int32_t n_prompts) {
    std::vector<int32_t> order(n_prompts);
    for (int32_t p = 0; p < n_prompts; ++p) order[p] = p;
    if (in.kv_per_seq) {
        std::stable_sort(order.begin(), order.end(),
                         [&](int32_t a, int32_t b) { return offsets[a + 1] - offsets[a] < offsets[b + 1] - offsets[b]; });
    }
    return order;
}

void fill_batch(const CallPlan & call, const int32_t * tokens, const int32_t * offsets, llama_batch & batch) {
    batch.n_tokens = 0;
    for (size_t s = 0; s < call.prompts.size(); ++s) {
        const int32_t pi = call.prompts[s];
        const int32_t len = offsets[pi + 1] - offsets[pi];
        for (int32_t i = 0; i < len; ++i) {
            const int32_t j = batch.n_tokens++;
            batch.token[j] = tokens[offsets[pi] + i];
            batch.pos[j] = i;
            batch.n_seq_id[j] = 1;
            batch.seq_id[j][0] = call.first_seq + (int32_t) s;
            batch.logits[j] = call.all_outputs || i == len - 1;
        }
    }
    for (int32_t b : call.extra_outputs) batch.logits[b] = 1;
}

}  // namespace llama_sae
