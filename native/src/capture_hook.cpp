// The eval callback llama.cpp calls for every graph node. At the residual stream of a hooked block
// ("l_out-<il>") it captures the requested rows (and encodes them when an SAE is attached), then
// applies the interventions to the rows being edited, in place, before any consumer reads them.
#include "engine_internal.h"

#include "cuda_hook.h"

#include "kernel_status.h"
#include "topk_encode.h"

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

// The kernels' thread pool pays off only for large encodes: while the hook runs, llama.cpp's own
// worker threads are still spinning at their barrier, so waking more threads for a few
// milliseconds of work costs more than it saves (measured: 2.3x slower prefill with 32 rows/layer).
ThreadPool * pool_for(HookState * hs, int64_t rows, const llama_sae_sae * sae) {
    const double macs = (double) rows * sae->params.n_latents * sae->params.n_embd;
    return macs >= (double) (1 << 27) ? hs->pool : nullptr;
}

bool abort_with(HookState * hs, const std::string & msg) {
    hs->error = msg;
    return false;
}

// Copies the captured rows of this call and encodes them if an SAE is attached.
bool capture(HookState * hs, const ggml_tensor * t, const LayerHook & lh, const std::vector<int32_t> & src_index, bool host) {
    const DecodePlan & plan = *hs->plan;
    std::vector<float> & dst = (*hs->rows)[lh.capture_slot];
    const size_t row_bytes = (size_t) hs->n_embd * sizeof(float);
    for (size_t i = 0; i < plan.row_index.size(); ++i) {
        float * out = dst.data() + plan.row_index[i] * hs->n_embd;
        const size_t offset = (size_t) src_index[i] * t->nb[1];
        if (host) {
            std::memcpy(out, (const char *) t->data + offset, row_bytes);
        } else {
            ggml_backend_tensor_get(t, out, offset, row_bytes);  // device memory: only these rows
        }
    }
    if (!lh.sae || plan.row_index.empty()) return true;
    SlotCodes & sc = (*hs->codes)[lh.capture_slot];
    // Encode each run of consecutive global rows in one call (prompt rows of a call are one run).
    for (size_t i = 0; i < plan.row_index.size();) {
        size_t j = i + 1;
        while (j < plan.row_index.size() && plan.row_index[j] == plan.row_index[j - 1] + 1) ++j;
        const int64_t first = plan.row_index[i];
        const int32_t st = encode(lh.sae->view(), (Activation) lh.sae->params.activation, dst.data() + first * hs->n_embd,
                                  (int64_t) (j - i), sc.k, sc.indices.data() + first * sc.k, sc.values.data() + first * sc.k,
                                  pool_for(hs, (int64_t) (j - i), lh.sae));
        if (st != kOk) return abort_with(hs, std::string("hook: SAE encode at ") + t->name + " failed: " + status_message(st));
        i = j;
    }
    return true;
}

// Applies the block's edits to the rows being edited, in place: encode, edit, write the delta.
bool intervene(HookState * hs, ggml_tensor * t, const LayerHook & lh, const std::vector<int32_t> & src_index, bool host) {
    if (!host) return abort_with(hs, std::string("hook: interventions at ") + t->name + " on a non-CPU backend need the CUDA build");
    const int64_t n = (int64_t) src_index.size();
    const int32_t d = hs->n_embd;
    const SaeView view = lh.sae->view();
    if (!lh.edits.empty()) {
        hs->scratch_x.resize((size_t) n * d);
        hs->scratch_idx.resize((size_t) n * lh.k);
        hs->scratch_val.resize((size_t) n * lh.k);
        for (int64_t i = 0; i < n; ++i) {
            std::memcpy(hs->scratch_x.data() + i * d, (const char *) t->data + (size_t) src_index[i] * t->nb[1], d * sizeof(float));
        }
        int32_t st = encode(view, (Activation) lh.sae->params.activation, hs->scratch_x.data(), n, lh.k, hs->scratch_idx.data(),
                            hs->scratch_val.data(), pool_for(hs, n, lh.sae));
        if (st != kOk) return abort_with(hs, std::string("hook: SAE encode for edits at ") + t->name + ": " + status_message(st));
        for (int64_t i = 0; i < n; ++i) {
            float * h = (float *) ((char *) t->data + (size_t) src_index[i] * t->nb[1]);
            st = apply_edits(view, hs->scratch_idx.data() + i * lh.k, hs->scratch_val.data() + i * lh.k, lh.k, lh.edits.data(),
                             (int32_t) lh.edits.size(), (EditMode) hs->edit_mode, h);
            if (st < 0) return abort_with(hs, std::string("hook: edits at ") + t->name + ": " + status_message(st));
        }
    }
    for (const auto & [latent, alpha] : lh.steers) {
        for (int64_t i = 0; i < n; ++i) {
            float * h = (float *) ((char *) t->data + (size_t) src_index[i] * t->nb[1]);
            const int32_t st = steer(view, latent, alpha, h);
            if (st < 0) return abort_with(hs, std::string("hook: steering at ") + t->name + ": " + status_message(st));
        }
    }
    return true;
}

}  // namespace

bool eval_callback(struct ggml_tensor * t, bool ask, void * user_data) {
    auto * hs = static_cast<HookState *>(user_data);
    const int32_t il = residual_layer(t->name);
    if (il < 0 || il >= (int32_t) hs->layers.size() || hs->plan == nullptr) return ask ? false : true;
    const LayerHook & lh = hs->layers[il];
    const DecodePlan & plan = *hs->plan;
    const bool capturing = lh.capture_slot >= 0 && !plan.row_index.empty();
    const bool editing = lh.edited() && !plan.edit_batch_index.empty();
    if (ask) return capturing || editing;  // answered by name only: every "yes" splits the graph and syncs
    if (!capturing && !editing) return true;
    hs->calls++;

    // The last block's output holds only the rows of output tokens; every other block holds all.
    const int64_t n_rows_here = t->ne[1];
    bool by_output = false;
    if (n_rows_here == hs->n_batch_tokens) {
        by_output = false;
    } else if (n_rows_here == hs->n_batch_outputs) {
        by_output = true;
    } else {
        return abort_with(hs, std::string("hook: ") + t->name + " has " + std::to_string(n_rows_here) + " rows, expected " +
                              std::to_string(hs->n_batch_tokens) + " (tokens) or " + std::to_string(hs->n_batch_outputs) + " (outputs)");
    }
    if (t->type != GGML_TYPE_F32 || t->ne[0] != hs->n_embd || !ggml_is_contiguous(t)) {
        return abort_with(hs, std::string("hook: ") + t->name + " is not a contiguous F32 [n_embd, n_tokens] tensor");
    }
    const bool host = t->buffer == nullptr || ggml_backend_buffer_is_host(t->buffer);
    // Device memory with the CUDA build: the kernels run on the tensor where it is.
    const bool on_cuda = !host && cuda_hook_available() && std::strstr(ggml_backend_buffer_name(t->buffer), "CUDA") != nullptr;
    const auto & capture_rows = by_output ? plan.output_index : plan.batch_index;
    const auto & edit_rows = by_output ? plan.edit_output_index : plan.edit_batch_index;
    auto do_capture = [&] { return on_cuda ? cuda_capture(hs, t, lh, capture_rows) : capture(hs, t, lh, capture_rows, host); };
    auto do_edit = [&] { return on_cuda ? cuda_intervene(hs, t, lh, il, edit_rows) : intervene(hs, t, lh, edit_rows, host); };
    // By default capture first: captured rows are the clean residual of this block.
    if (capturing && !hs->capture_after_edits && !do_capture()) return false;
    if (editing && !do_edit()) return false;
    if (capturing && hs->capture_after_edits && !do_capture()) return false;
    return true;
}

}  // namespace llama_sae
