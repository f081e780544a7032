// The eval callback llama.cpp calls for every graph node: capture of residual-stream rows
// ("l_out-<il>") at the requested layers and positions.
#include "engine_internal.h"

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

}  // namespace

bool eval_callback(struct ggml_tensor * t, bool ask, void * user_data) {
    auto * hs = static_cast<HookState *>(user_data);
    const int32_t il = residual_layer(t->name);
    const bool wanted = il >= 0 && il < hs->n_layer && hs->slot_of_layer[il] >= 0 && hs->plan != nullptr;
    if (ask) return wanted;  // answered by name only: every "yes" splits the graph and syncs
    if (!wanted) return true;
    hs->calls++;

    const DecodePlan & plan = *hs->plan;
    const int32_t slot = hs->slot_of_layer[il];
    const int64_t n_rows_here = t->ne[1];
    // The last block's output holds only the rows of output tokens; every other block holds all.
    const std::vector<int32_t> * src_index = nullptr;
    if (n_rows_here == hs->n_batch_tokens) {
        src_index = &plan.batch_index;
    } else if (n_rows_here == hs->n_batch_outputs) {
        src_index = &plan.output_index;
    } else {
        hs->error = std::string("hook: ") + t->name + " has " + std::to_string(n_rows_here) + " rows, expected " +
                    std::to_string(hs->n_batch_tokens) + " (tokens) or " + std::to_string(hs->n_batch_outputs) + " (outputs)";
        return false;
    }
    if (t->type != GGML_TYPE_F32 || t->ne[0] != hs->n_embd || !ggml_is_contiguous(t)) {
        hs->error = std::string("hook: ") + t->name + " is not a contiguous F32 [n_embd, n_tokens] tensor";
        return false;
    }

    std::vector<float> & dst = (*hs->rows)[slot];
    const size_t row_bytes = (size_t) hs->n_embd * sizeof(float);
    const bool host = t->buffer == nullptr || ggml_backend_buffer_is_host(t->buffer);
    for (size_t i = 0; i < plan.row_index.size(); ++i) {
        const int32_t src = (*src_index)[i];
        float * out = dst.data() + plan.row_index[i] * hs->n_embd;
        if (host) {
            std::memcpy(out, (const char *) t->data + (size_t) src * t->nb[1], row_bytes);
        } else {
            // Device memory without the CUDA kernels: copy just the requested rows.
            ggml_backend_tensor_get(t, out, (size_t) src * t->nb[1], row_bytes);
        }
    }

    // SAE codes of this call's rows (they are contiguous in the global row order).
    AttachedSae & att = (*hs->saes)[slot];
    if (att.sae && !plan.row_index.empty()) {
        const int64_t first = plan.row_index.front();
        const int64_t n = (int64_t) plan.row_index.size();
        const int32_t st = encode(att.sae->view(), (Activation) att.sae->params.activation, dst.data() + first * hs->n_embd, n,
                                  att.k, att.indices.data() + first * att.k, att.values.data() + first * att.k, hs->pool);
        if (st != kOk) {
            hs->error = std::string("hook: SAE encode at ") + t->name + " failed: " + status_message(st);
            return false;
        }
    }
    return true;
}

}  // namespace llama_sae
