// The hook at llama.cpp's residual stream of a hooked block ("l_out-<il>"): it describes the
// layer's work in this decode call (which rows, in which order, where they sit in the tensor) as a
// LayerCall and hands it to the backend of the memory that holds the tensor (layer_pipeline.h).
// Two ways in, one pipeline:
//   - the eval callback (cb_eval, the reference path): llama.cpp asks for every node by name and
//     splits its graph at each "yes" to call back with the computed tensor;
//   - an in-graph op (the patched llama.cpp's llama_set_layer_hook): build_layer_op adds a
//     ggml_custom_inplace op on the layer's output while llama.cpp builds its graph, at the place it
//     applies control vectors; the op runs the same pipeline on the same tensor inside the graph.
#include "engine_internal.h"

#include "ggml-backend.h"
#include "ggml.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace llama_sae {

namespace {

// Parses "l_out-<il>"; returns -1 for any other name.
int32_t residual_layer(const char * name) {
    if (std::strncmp(name, "l_out-", 6) != 0) return -1;
    char * end = nullptr;
    const long il = std::strtol(name + 6, &end, 10);
    if (end == name + 6 || *end != '\0') return -1;
    return (int32_t) il;
}

bool abort_with(Hook * h, const std::string & msg) {
    h->error = msg;
    return false;
}

// Whether an edit at this layer reads work row w: every layer holds all rows but the last, which
// holds the outputs and the rows it keeps for capture (an edit of a kept row changes only what is
// captured after the edits: the row is pruned right after the layer).
bool edits_row(const CallPlan & plan, int32_t w, bool last_layer) {
    return plan.edited[w] && (!last_layer || plan.last_index[w] >= 0);
}

}  // namespace

int32_t LayerCall::k() const { return spec->sae ? spec->k : 0; }

namespace {

// Whether layer il captures or edits in the decode call in flight.
void layer_work(const Hook * h, int32_t il, bool & capturing, bool & editing) {
    const LayerSpec & spec = (*h->layers)[il];
    const CallPlan & plan = *h->plan;
    const bool last = il == h->n_layer - 1;
    capturing = spec.slot >= 0 && !plan.dests.empty();
    editing = false;
    if ((spec.edits.any() && !spec.edits.noop()) || spec.splice != Splice::None) {
        for (int32_t w = 0; w < plan.n_work() && !editing; ++w) editing = edits_row(plan, w, last);
    }
}

// Runs layer il's pipeline on its residual tensor t (computed, consumers not run yet); false with
// h->error set to abort the pass.
bool run_hooked_layer(Hook * h, ggml_tensor * t, int32_t il) {
    bool capturing = false, editing = false;
    layer_work(h, il, capturing, editing);
    if (!capturing && !editing) return true;
    const LayerSpec & spec = (*h->layers)[il];
    const CallPlan & plan = *h->plan;
    const bool last = il == h->n_layer - 1;

    const int32_t d = h->cfg->n_embd;
    if (t->type != GGML_TYPE_F32 || t->ne[0] != d || !ggml_is_contiguous(t)) {
        return abort_with(h, std::string("hook: ") + t->name + " is not a contiguous F32 [n_embd, n_tokens] tensor");
    }
    // The last layer may hold fewer rows: only those llama.cpp kept (outputs, plus the captured
    // rows with the patched llama.cpp); every other layer holds the whole batch.
    const int64_t rows_here = t->ne[1];
    const bool by_batch = rows_here == plan.n_tokens;
    if (!by_batch && !(last && rows_here == plan.n_last_rows)) {
        return abort_with(h, std::string("hook: ") + t->name + " has " + std::to_string(rows_here) + " rows, expected " +
                             std::to_string(plan.n_tokens) + " (tokens) or " + std::to_string(plan.n_last_rows) + " (last layer)");
    }

    LayerCall call;
    call.t = t;
    call.layer = il;
    call.spec = &spec;
    call.plan = &plan;
    call.cfg = h->cfg;
    call.out = capturing ? &(*h->slots)[spec.slot] : nullptr;
    call.wants_codes = capturing && spec.sae &&
                       (h->cfg->outputs & (LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS));
    // Pipeline order: edited rows, then captured rows that need a code, then the rest.
    std::vector<int32_t> groups[3];
    for (int32_t w = 0; w < plan.n_work(); ++w) {
        const bool cap = capturing && plan.captured[w];
        const bool ed = editing && edits_row(plan, w, last);
        if (!cap && !ed) continue;
        groups[ed ? 0 : (call.wants_codes ? 1 : 2)].push_back(w);
    }
    call.sel_of_work.assign(plan.n_work(), -1);
    for (const auto & g : groups) {
        for (int32_t w : g) {
            const int32_t src = by_batch ? plan.batch_index[w] : plan.last_index[w];
            if (src < 0) return abort_with(h, std::string("hook: row of prompt ") + std::to_string(plan.prompt[w]) + " position " +
                                              std::to_string(plan.position[w]) + " was pruned from " + t->name);
            call.sel_of_work[w] = (int32_t) call.sel.size();
            call.sel.push_back(w);
            call.src.push_back(src);
        }
    }
    call.n_edit = (int32_t) groups[0].size();
    call.n_code = call.n_edit + (int32_t) groups[1].size();
    if (!spec.sae) call.n_code = 0;
    if (spec.splice == Splice::Zero && !call.wants_codes) call.n_code = 0;  // zeroed rows need no code
    // The results are the gather target when the captured rows are consecutive result rows in sel order.
    if (capturing && call.n_edit == 0 && plan.dests.size() == call.sel.size()) {
        bool consecutive = true;
        for (size_t i = 0; i < plan.dests.size() && consecutive; ++i) {
            consecutive = call.sel_of_work[plan.dests[i].work] == (int32_t) i && plan.dests[i].row == plan.dests[0].row + (int64_t) i;
        }
        if (consecutive) call.direct_row = plan.dests[0].row;
    }

    const bool host = t->buffer == nullptr || ggml_backend_buffer_is_host(t->buffer);
    const bool on_cuda = !host && h->cuda && std::strstr(ggml_backend_buffer_name(t->buffer), "CUDA") != nullptr;
    Backend * backend = on_cuda ? h->cuda.get() : h->cpu.get();
    if (!backend->run_layer(call)) return abort_with(h, std::string("hook (") + backend->name() + ") at " + t->name + ": " + call.error);
    return true;
}

// The in-graph op (ggml_custom_op_t): one task; an earlier failure in this pass skips the rest
// (an op cannot stop the graph: decode_call reports h->error after llama_decode returns).
void run_layer_op(ggml_tensor * dst, int ith, int nth, void * user_data) {
    (void) nth;
    if (ith != 0) return;
    auto * gl = static_cast<GraphLayer *>(user_data);
    Hook * h = gl->hook;
    if (h->plan == nullptr || !h->error.empty()) return;
    run_hooked_layer(h, dst, gl->il);
}

}  // namespace

bool eval_callback(struct ggml_tensor * t, bool ask, void * user_data) {
    auto * h = static_cast<Hook *>(user_data);
    const int32_t il = residual_layer(t->name);
    if (il < 0 || il >= h->n_layer || h->plan == nullptr) return ask ? false : true;
    if (ask) {  // answered by name only: every "yes" splits the graph and syncs
        bool capturing = false, editing = false;
        layer_work(h, il, capturing, editing);
        return capturing || editing;
    }
    return run_hooked_layer(h, t, il);
}

std::vector<uint8_t> ops_wanted(const Hook & h) {
    std::vector<uint8_t> want(h.n_layer, 0);
    for (int32_t il = 0; il < h.n_layer; ++il) {
        const LayerSpec & spec = (*h.layers)[il];
        want[il] = spec.slot >= 0 || (spec.edits.any() && !spec.edits.noop()) || spec.splice != Splice::None;
    }
    return want;
}

struct ggml_tensor * build_layer_op(struct ggml_context * ctx, struct ggml_tensor * cur, int32_t il, void * user_data) {
    auto * h = static_cast<Hook *>(user_data);
    if (il < 0 || il >= h->n_layer || (size_t) il >= h->graph_ops.size() || !h->graph_ops[il]) return cur;
    return ggml_custom_inplace(ctx, cur, nullptr, 0, run_layer_op, 1, &h->graph_layers[il]);
}

}  // namespace llama_sae
