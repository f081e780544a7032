// The decode plan: prompt packing, position resolution, output rows, and the row layout of the
// results, all decided and validated before the first llama_decode of a run.
//
// Row layout (one definition, also the activation file's order): every captured layer's rows form
// blocks, one per capture position in the order given, then one per generated step; with all
// positions a single block holds every token, prompt by prompt, token by token. A block's rows are
// the run's prompts in order, so block b of layer L is exactly the next rows of the file's tensor
// layer{L}.pos{P}: Java appends each block straight from native memory.
#pragma once

#include <cstdint>
#include <vector>

struct llama_batch;

namespace llama_sae {

// What runs capture: layers (capture slots in this order) and positions.
struct CaptureSpec {
    std::vector<int32_t> layers;           // block indices; slot i captures layers[i]
    std::vector<int32_t> positions;        // >= 0 absolute, < 0 from the end
    bool all_positions = false;
    std::vector<int32_t> generated_steps;  // 1-based generated steps (generate only)
};

// Where edits apply.
struct EditPlacement {
    std::vector<int32_t> positions;  // prompt positions, >= 0 absolute, < 0 from the end
    bool all_positions = false;      // every prompt position (and generated token, see generated)
    bool generated = false;          // every generated token
};

struct RowLayout {
    std::vector<int64_t> block_offset{0};  // [n_blocks + 1]: first row of each block; back() = rows
    std::vector<int32_t> row_prompt;       // [rows] prompt (within the run) of each row
    std::vector<int32_t> row_pos;          // [rows] token position of each row (-1: not generated)
    int32_t n_blocks() const { return (int32_t) block_offset.size() - 1; }
    int64_t n_rows() const { return block_offset.back(); }
};

// A captured row's place in the results.
struct CaptureDest {
    int32_t work;   // index of the work row (CallPlan arrays)
    int32_t block;  // row block
    int64_t row;    // row index in the layer's results (block_offset[block] + row in block)
};

// One llama_decode call. Work rows are the distinct tokens a hooked layer reads or edits, in
// ascending batch order.
struct CallPlan {
    int32_t first_prompt = 0;
    int32_t n_prompts = 0;
    int32_t n_tokens = 0;
    int32_t n_outputs = 0;
    bool all_outputs = false;             // every token is an output (spliced-in evaluation: logits everywhere)
    std::vector<int32_t> extra_outputs;   // batch indices made outputs only because the last layer captures them
    std::vector<int32_t> last_layer_rows; // batch indices the patched llama.cpp keeps in the last layer, no logits
    int32_t n_last_rows = 0;              // rows of the last layer's l_out (outputs + last_layer_rows)

    std::vector<int32_t> batch_index;   // [work] token index in the batch
    std::vector<int32_t> output_index;  // [work] index among the call's outputs, -1 if not an output
    std::vector<int32_t> last_index;    // [work] row in the last layer's l_out, -1 if pruned there
    std::vector<int32_t> prompt;        // [work] prompt index within the run
    std::vector<int32_t> position;      // [work] token position
    std::vector<uint8_t> captured;      // [work] captured at the capture positions
    std::vector<uint8_t> edited;        // [work] edited at the edit positions
    std::vector<CaptureDest> dests;     // capture destinations, in work order

    int32_t n_work() const { return (int32_t) batch_index.size(); }
    // Appends a work row; returns its index.
    int32_t add_work(int32_t batch, int32_t prompt_index, int32_t pos, bool is_captured, bool is_edited);
};

struct PlanInputs {
    int32_t n_layer = 0;
    int32_t n_vocab = 0;
    int32_t n_ctx = 0;
    int32_t n_seq_max = 0;
    int32_t n_pack = 0;
    bool last_layer_captured = false;
    bool any_edits = false;
    bool keep_last_rows = false;  // the patched llama.cpp can keep last-layer rows without logits
    bool all_outputs = false;     // logits at every token (spliced-in evaluation)
};

struct DecodePlan {
    RowLayout layout;
    std::vector<CallPlan> calls;
};

// Validates prompts (lengths, token ids) and positions (capture and edit) and packs the prompts
// into calls of at most n_pack tokens and n_seq_max sequences (one call when single_call, as the
// prefill of generate). With generated steps (generate), their blocks follow the prompt blocks.
// Throws ApiError (run: ... messages name the prompt, the position and the prompt length).
DecodePlan plan_prompts(const PlanInputs & in, const CaptureSpec & capture, const EditPlacement & edits, const int32_t * tokens,
                        const int32_t * offsets, int32_t n_prompts, bool single_call, bool with_generated);

// Fills a llama_batch with the call's prompts (sequence ids 0..n_prompts-1, outputs at each
// prompt's last token and at extra_outputs).
void fill_batch(const CallPlan & call, const int32_t * tokens, const int32_t * offsets, llama_batch & batch);

}  // namespace llama_sae
