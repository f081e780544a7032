// The CPU backend of the layer pipeline (layer_pipeline.h), and the host consumers every backend
// shares. Tensors in host memory are read and edited in place; tensors elsewhere (a GPU backend
// without the project's CUDA kernels, or work the CUDA backend hands back) are staged: rows come
// in with ggml_backend_tensor_get and edited rows go back with ggml_backend_tensor_set.
#include "engine_internal.h"

#include "kernel_status.h"
#include "sparse_edit.h"
#include "topk_encode.h"

#include "ggml-backend.h"
#include "ggml.h"

#include <cstring>
#include <string>

namespace llama_sae {

namespace {

// The kernels' thread pool pays off only for large encodes: while the hook runs, llama.cpp's own
// worker threads are still spinning at their barrier, so waking more threads for a few
// milliseconds of work costs more than it saves (measured: 2.3x slower prefill with 32 rows/layer).
ThreadPool * pool_for(const LayerCall & c, int64_t rows) {
    const double macs = (double) rows * c.spec->sae->params.n_latents * c.spec->sae->params.n_embd;
    return macs >= (double) (1 << 27) ? c.cfg->pool : nullptr;
}

class CpuBackend final : public Backend {
public:
    const char * name() const override { return "CPU"; }
    void begin_run(std::vector<SlotResults> &) override {}
    bool finish_run(std::vector<SlotResults> &, std::string *) override { return true; }
    bool run_layer(LayerCall & c) override;

private:
    std::vector<float> x_;
    std::vector<int32_t> idx_;
    std::vector<float> val_;
};

// Replaces every edited row by the SAE's reconstruction decode(z) or by zeros (Splice), in place.
bool splice_rows(LayerCall & c, float * x, const int32_t * idx, const float * val, bool host) {
    ggml_tensor * t = c.t;
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const size_t row_bytes = (size_t) d * sizeof(float);
    const SaeView view = c.spec->sae->view();
    for (int32_t s = 0; s < c.n_edit; ++s) {
        float * row = host ? (float *) ((char *) t->data + (size_t) c.src[s] * t->nb[1]) : x + (int64_t) s * d;
        if (c.spec->splice == Splice::Zero) {
            std::memset(row, 0, row_bytes);
        } else {
            const int32_t st = decode(view, idx + (int64_t) s * k, val + (int64_t) s * k, k, row);
            if (st != kOk) {
                c.error = std::string("splice: SAE decode: ") + status_message(st);
                return false;
            }
        }
        if (!host) ggml_backend_tensor_set(t, row, (size_t) c.src[s] * t->nb[1], row_bytes);
    }
    return true;
}

bool CpuBackend::run_layer(LayerCall & c) {
    ggml_tensor * t = c.t;
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const int64_t n = (int64_t) c.sel.size();
    const size_t row_bytes = (size_t) d * sizeof(float);
    const bool host = t->buffer == nullptr || ggml_backend_buffer_is_host(t->buffer);
    const uint32_t outputs = c.cfg->outputs;

    // Rows only (no SAE, no edits): each captured row moves once, from the tensor to its block.
    if (c.out && k == 0 && c.n_edit == 0 && c.direct_row < 0) {
        if (!(outputs & LLAMA_SAE_OUTPUT_ROWS)) return true;
        for (const CaptureDest & dest : c.plan->dests) {
            const size_t offset = (size_t) c.src[c.sel_of_work[dest.work]] * t->nb[1];
            float * out = c.out->rows.data() + dest.row * d;
            if (host) {
                std::memcpy(out, (const char *) t->data + offset, row_bytes);
            } else {
                ggml_backend_tensor_get(t, out, offset, row_bytes);
            }
        }
        return true;
    }

    // 1. Gather the rows (runs of consecutive tensor rows move in one copy), straight into the
    //    results when they are the captured rows in result order.
    c.rows_in_place = c.direct_row >= 0 && (outputs & LLAMA_SAE_OUTPUT_ROWS) && !c.cfg->capture_after_edits;
    float * x = nullptr;
    if (c.rows_in_place) {
        x = c.out->rows.data() + c.direct_row * d;
    } else {
        if (x_.size() < (size_t) (n * d)) x_.resize((size_t) (n * d));
        x = x_.data();
    }
    for (int64_t i = 0; i < n;) {
        int64_t j = i + 1;
        while (j < n && c.src[j] == c.src[j - 1] + 1) ++j;
        const size_t offset = (size_t) c.src[i] * t->nb[1];
        if (host) {
            std::memcpy(x + i * d, (const char *) t->data + offset, (size_t) (j - i) * row_bytes);
        } else {
            ggml_backend_tensor_get(t, x + i * d, offset, (size_t) (j - i) * row_bytes);
        }
        i = j;
    }

    // 2. Encode once: every row that is edited or whose code is wanted.
    int32_t * idx = nullptr;
    float * val = nullptr;
    if (k > 0) {
        c.codes_in_place = c.direct_row >= 0 && (outputs & LLAMA_SAE_OUTPUT_CODES);
        if (c.codes_in_place) {
            idx = c.out->idx.data() + c.direct_row * k;
            val = c.out->val.data() + c.direct_row * k;
        } else {
            if (idx_.size() < (size_t) (n * k)) {
                idx_.resize((size_t) (n * k));
                val_.resize((size_t) (n * k));
            }
            idx = idx_.data();
            val = val_.data();
        }
        if (c.n_code > 0) {
            const llama_sae_sae * sae = c.spec->sae;
            const int32_t st = encode(sae->view(), (Activation) sae->params.activation, x, c.n_code, k, idx, val, pool_for(c, c.n_code));
            if (st != kOk) {
                c.error = std::string("SAE encode failed: ") + status_message(st);
                return false;
            }
        }
    }

    // 3. Consumers of the captured rows (the clean residual unless capture_after_edits).
    if (c.out && !c.cfg->capture_after_edits && !consume_captured(c, x, idx, val, false)) return false;

    // 4. Edits, in place; rows whose code does not change are not written at all. A spliced-in
    //    evaluation replaces every edited row instead (its reconstruction, or zeros).
    if (c.spec->splice != Splice::None) return splice_rows(c, x, idx, val, host);
    const EditTable & et = c.spec->edits;
    for (int32_t s = 0; s < c.n_edit; ++s) {
        float * row = host ? (float *) ((char *) t->data + (size_t) c.src[s] * t->nb[1]) : x + (int64_t) s * d;
        const SaeView view = c.spec->sae->view();
        bool written = false;
        if (!et.edits.empty()) {
            const int32_t st = apply_edits(view, idx + (int64_t) s * k, val + (int64_t) s * k, k, et.edits.data(),
                                           (int32_t) et.edits.size(), (EditMode) c.cfg->edit_mode, row);
            if (st < 0) {
                c.error = std::string("edits: ") + status_message(st);
                return false;
            }
            written = st > 0;
        }
        for (const auto & [latent, alpha] : et.steers) {
            const int32_t st = steer(view, latent, alpha, row);
            if (st < 0) {
                c.error = std::string("steering: ") + status_message(st);
                return false;
            }
            written = written || st > 0;
        }
        if (!written) continue;
        if (!host) ggml_backend_tensor_set(t, row, (size_t) c.src[s] * t->nb[1], row_bytes);
        if (host && c.cfg->capture_after_edits) std::memcpy(x + (int64_t) s * d, row, row_bytes);
    }

    // 5. Captured rows after the edits, when asked.
    if (c.out && c.cfg->capture_after_edits && !consume_captured(c, x, idx, val, false)) return false;
    return true;
}

}  // namespace

bool EditTable::noop() const {
    if (!steers.empty()) return false;
    for (const LatentEdit & e : edits) {
        const bool identity_swap = e.op == kEditSwap && e.partner == e.latent;
        const bool scale_one = e.op == kEditScale && e.value == 1.0f;
        if (!identity_swap && !scale_one) return false;
    }
    return true;
}

bool consume_captured(LayerCall & c, const float * x, const int32_t * idx, const float * val, bool moments_on_device) {
    SlotResults & out = *c.out;
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const uint32_t outputs = c.cfg->outputs;
    const bool rows = (outputs & LLAMA_SAE_OUTPUT_ROWS) && !c.rows_in_place;
    const bool codes = k > 0 && (outputs & LLAMA_SAE_OUTPUT_CODES) && !c.codes_in_place;
    const bool stats = k > 0 && (outputs & (LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS));
    const bool metrics = k > 0 && (outputs & LLAMA_SAE_OUTPUT_METRICS);
    thread_local std::vector<float> x_hat;
    if (metrics) x_hat.resize(d);
    const CallPlan & plan = *c.plan;
    for (const CaptureDest & dest : plan.dests) {
        const int64_t s = c.sel_of_work[dest.work];
        if (rows) std::memcpy(out.rows.data() + dest.row * d, x + s * d, (size_t) d * sizeof(float));
        if (codes) {
            std::memcpy(out.idx.data() + dest.row * k, idx + s * k, (size_t) k * sizeof(int32_t));
            std::memcpy(out.val.data() + dest.row * k, val + s * k, (size_t) k * sizeof(float));
        }
        if (stats && !out.stats[dest.block].add_row(idx + s * k, val + s * k, k, plan.prompt[dest.work], plan.position[dest.work],
                                                    moments_on_device, &c.error)) {
            return false;
        }
        if (metrics) {
            const int32_t st = decode(c.spec->sae->view(), idx + s * k, val + s * k, k, x_hat.data());
            if (st != kOk) {
                c.error = std::string("SAE decode for metrics: ") + status_message(st);
                return false;
            }
            if (!out.recon[dest.block].add_row(x + s * d, x_hat.data(), &c.error)) return false;
        }
    }
    return true;
}

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace llama_sae
