// The CUDA backend of the layer pipeline (layer_pipeline.h): the same steps as the CPU backend on a
// tensor in CUDA device memory, with the kernels of cuda/. Rows are gathered on the device, encoded
// there once, edited in place there; only what the host consumers need crosses to the host (the
// captured rows with ROWS or METRICS, the codes with CODES, STATS or METRICS); feature moments are
// accumulated on the device by the statistics kernel and merged into the host statistics at the
// end of the run (the top samples are kept on the host from the codes).
//
// What the device kernels do not cover runs, as a whole layer call, through the CPU backend's host
// path (rows staged through ggml_backend_tensor_get/set): relu/jumprelu SAEs (no device encoder),
// k > LLAMA_SAE_CUDA_MAX_K, and edit lists the device table cannot hold (two edits writing one
// latent, a latent steered twice, more than LLAMA_SAE_CUDA_MAX_CLAMPS clamps or MAX_STEERS steers).
// So both backends accept exactly the same specs, with the same meaning.
// Compiled into the engine only with LLAMA_SAE_WITH_CUDA (the LLAMA_SAE_CUDA=ON build).
#include "engine_internal.h"

#ifdef LLAMA_SAE_WITH_CUDA

#include "llama_sae_cuda.h"

#include "ggml-backend.h"
#include "ggml.h"

#include <cuda_runtime.h>

#include <cstring>
#include <string>

namespace llama_sae {

namespace {

bool cuda_ok(LayerCall & c, cudaError_t e, const char * what) {
    if (e == cudaSuccess) return true;
    c.error = std::string(what) + ": " + cudaGetErrorString(e);
    return false;
}

bool sae_ok(LayerCall & c, int32_t st, const char * what) {
    if (st == LLAMA_SAE_CUDA_OK) return true;
    c.error = std::string(what) + ": " + llama_sae_cuda_last_error();
    return false;
}

// The SAE's weights on the device, uploaded once per SAE.
llama_sae_cuda_sae * device_sae(LayerCall & c, const llama_sae_sae * sae) {
    if (sae->cuda) return static_cast<llama_sae_cuda_sae *>(sae->cuda);
    llama_sae_cuda_weights w{};
    w.n_features = sae->params.n_latents;
    w.d_model = sae->params.n_embd;
    w.dtype = LLAMA_SAE_CUDA_DTYPE_F32;
    w.w_enc = sae->W_enc.data();
    w.b_enc = sae->b_enc.data();
    w.w_dec = sae->W_dec.data();
    w.b_dec = sae->b_dec.data();
    w.threshold = sae->threshold.empty() ? nullptr : sae->threshold.data();
    llama_sae_cuda_sae * out = nullptr;
    if (!sae_ok(c, llama_sae_cuda_sae_init(&w, &out), "uploading SAE weights")) return nullptr;
    sae->cuda = out;
    return out;
}

// The device table's form of an edit list (one SCALE/CLAMP/SWAP per latent, a swap claiming both,
// one steer per latent, bounded clamps and steers); false when the list needs the host path.
// Swaps of a latent with itself change nothing and are left out.
bool device_edit_list(const EditTable & et, int32_t F, std::vector<llama_sae_cuda_edit> & out) {
    out.clear();
    std::vector<uint8_t> claimed(F, 0), steered(F, 0);
    int32_t clamps = 0;
    for (const LatentEdit & e : et.edits) {
        if (e.op == LLAMA_SAE_EDIT_SWAP && e.partner == e.latent) continue;
        if (claimed[e.latent]) return false;
        claimed[e.latent] = 1;
        if (e.op == LLAMA_SAE_EDIT_SWAP) {
            if (claimed[e.partner]) return false;
            claimed[e.partner] = 1;
        }
        if (e.op == LLAMA_SAE_EDIT_CLAMP && ++clamps > LLAMA_SAE_CUDA_MAX_CLAMPS) return false;
        out.push_back({e.op, e.latent, e.op == LLAMA_SAE_EDIT_SWAP ? e.partner : -1, e.value});
    }
    if ((int32_t) et.steers.size() > LLAMA_SAE_CUDA_MAX_STEERS) return false;
    for (const auto & [latent, alpha] : et.steers) {
        if (steered[latent]) return false;
        steered[latent] = 1;
        out.push_back({LLAMA_SAE_EDIT_STEER, latent, -1, alpha});
    }
    return true;
}

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(Backend * host) : host_(host) {}
    ~CudaBackend() override;
    const char * name() const override { return "CUDA"; }
    void begin_run(std::vector<SlotResults> & slots) override;
    bool finish_run(std::vector<SlotResults> & slots, std::string * error) override;
    bool run_layer(LayerCall & c) override;

private:
    struct LayerEdits {
        llama_sae_cuda_edits * table = nullptr;
        uint64_t version = ~uint64_t{0};  // EditTable::version the table was built from
        bool device = false;              // the list fits the device table
    };
    struct DeviceStats {
        llama_sae_cuda_stats * stats = nullptr;
        int32_t F = 0;
    };

    bool device_capable(LayerCall & c);
    bool ensure_stream(LayerCall & c);
    bool ensure(LayerCall & c, size_t n, int32_t d, int32_t k);
    bool ensure_row_lists(LayerCall & c, size_t n);
    bool move_rows(LayerCall & c, int32_t d, bool to_scratch, size_t count);
    bool capture(LayerCall & c, llama_sae_cuda_sae * dev);
    DeviceStats * stats_for(LayerCall & c, int32_t slot, int32_t block);

    Backend * host_;
    cudaStream_t stream_ = nullptr;
    float * x_ = nullptr;
    int32_t * idx_ = nullptr;
    float * val_ = nullptr;
    int32_t * rows_ = nullptr;
    size_t cap_x_ = 0, cap_codes_ = 0, cap_rows_ = 0;
    std::vector<LayerEdits> edits_;                // per layer
    std::vector<std::vector<DeviceStats>> stats_;  // [slot][block]
    std::vector<float> hx_;                        // host copies of rows and codes
    std::vector<int32_t> hidx_, hrows_;
    std::vector<float> hval_;
};

CudaBackend::~CudaBackend() {
    for (auto & e : edits_) llama_sae_cuda_edits_free(e.table);
    for (auto & slot : stats_) for (auto & s : slot) llama_sae_cuda_stats_free(s.stats);
    cudaFree(x_);
    cudaFree(idx_);
    cudaFree(val_);
    cudaFree(rows_);
    if (stream_) cudaStreamDestroy(stream_);
}

// Our own stream: llama.cpp has synchronized its stream before the callback, and we finish ours
// before returning.
bool CudaBackend::ensure_stream(LayerCall & c) {
    return stream_ || cuda_ok(c, cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "stream");
}

bool CudaBackend::ensure(LayerCall & c, size_t n, int32_t d, int32_t k) {
    if (n * d > cap_x_) {
        cudaFree(x_);
        x_ = nullptr;
        cap_x_ = n * d;
        if (!cuda_ok(c, cudaMalloc(&x_, cap_x_ * sizeof(float)), "scratch rows")) return false;
    }
    if (n * k > cap_codes_) {
        cudaFree(idx_);
        cudaFree(val_);
        idx_ = nullptr;
        val_ = nullptr;
        cap_codes_ = n * k;
        if (!cuda_ok(c, cudaMalloc(&idx_, cap_codes_ * sizeof(int32_t)), "scratch indices")) return false;
        if (!cuda_ok(c, cudaMalloc(&val_, cap_codes_ * sizeof(float)), "scratch values")) return false;
    }
    return true;
}

bool CudaBackend::ensure_row_lists(LayerCall & c, size_t n) {
    if (n <= cap_rows_) return true;
    cudaFree(rows_);
    rows_ = nullptr;
    cap_rows_ = n;
    return cuda_ok(c, cudaMalloc(&rows_, cap_rows_ * sizeof(int32_t)), "scratch row lists");
}

// Copies sel rows [0, count) of the tensor into consecutive scratch rows (to_scratch) or back;
// runs of consecutive tensor rows move in one copy (capturing every position is a single copy).
bool CudaBackend::move_rows(LayerCall & c, int32_t d, bool to_scratch, size_t count) {
    const size_t row = (size_t) d * sizeof(float);
    for (size_t i = 0; i < count;) {
        size_t j = i + 1;
        while (j < count && c.src[j] == c.src[j - 1] + 1) ++j;
        char * tensor_rows = (char *) c.t->data + (size_t) c.src[i] * c.t->nb[1];
        float * scratch_rows = x_ + i * d;
        const cudaError_t e = to_scratch
            ? cudaMemcpyAsync(scratch_rows, tensor_rows, (j - i) * row, cudaMemcpyDeviceToDevice, stream_)
            : cudaMemcpyAsync(tensor_rows, scratch_rows, (j - i) * row, cudaMemcpyDeviceToDevice, stream_);
        if (!cuda_ok(c, e, to_scratch ? "gather" : "scatter")) return false;
        i = j;
    }
    return true;
}

bool CudaBackend::device_capable(LayerCall & c) {
    const llama_sae_sae * sae = c.spec->sae;
    if (!sae) return true;  // rows only
    const int32_t act = sae->params.activation;
    if (act != LLAMA_SAE_ACT_TOPK_RELU && act != LLAMA_SAE_ACT_TOPK_ABS) return false;
    if (c.k() > LLAMA_SAE_CUDA_MAX_K) return false;
    if (c.n_edit == 0) return true;
    if (edits_.size() <= (size_t) c.layer) edits_.resize((size_t) c.layer + 1);
    LayerEdits & le = edits_[c.layer];
    if (le.version != c.spec->edits.version) {
        std::vector<llama_sae_cuda_edit> list;
        le.device = device_edit_list(c.spec->edits, sae->params.n_latents, list);
        if (le.device) {
            llama_sae_cuda_sae * dev = device_sae(c, sae);
            if (!dev) return false;
            if (le.table) llama_sae_cuda_edits_free(le.table);
            le.table = nullptr;
            if (!sae_ok(c, llama_sae_cuda_edits_init(dev, &le.table), "edit table")) return false;
            if (!sae_ok(c, llama_sae_cuda_edits_set(le.table, list.data(), (int32_t) list.size(), stream_), "edits")) return false;
        }
        le.version = c.spec->edits.version;
    }
    return le.device;
}

CudaBackend::DeviceStats * CudaBackend::stats_for(LayerCall & c, int32_t slot, int32_t block) {
    if (stats_.size() <= (size_t) slot) stats_.resize((size_t) slot + 1);
    if (stats_[slot].size() <= (size_t) block) stats_[slot].resize((size_t) block + 1);
    DeviceStats & ds = stats_[slot][block];
    const int32_t F = c.spec->sae->params.n_latents;
    if (ds.stats && ds.F != F) {
        llama_sae_cuda_stats_free(ds.stats);
        ds.stats = nullptr;
    }
    if (!ds.stats) {
        if (!sae_ok(c, llama_sae_cuda_stats_init(F, &ds.stats), "statistics")) return nullptr;
        ds.F = F;
    }
    return &ds;
}

// The captured rows' consumers: copies to the host what they read, feature moments on the device.
bool CudaBackend::capture(LayerCall & c, llama_sae_cuda_sae * dev) {
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const size_t n = c.sel.size();
    const uint32_t outputs = c.cfg->outputs;
    const bool stats = k > 0 && (outputs & (LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS));
    const bool metrics = k > 0 && (outputs & LLAMA_SAE_OUTPUT_METRICS);
    const bool want_rows = (outputs & LLAMA_SAE_OUTPUT_ROWS) || metrics;
    const bool want_codes = k > 0 && ((outputs & LLAMA_SAE_OUTPUT_CODES) || stats);
    // Rows and codes to the host: straight into the results when they are the captured rows in order.
    c.rows_in_place = c.direct_row >= 0 && (outputs & LLAMA_SAE_OUTPUT_ROWS) && !c.cfg->capture_after_edits;
    c.codes_in_place = c.direct_row >= 0 && k > 0 && (outputs & LLAMA_SAE_OUTPUT_CODES);
    float * hx = nullptr;
    int32_t * hidx = nullptr;
    float * hval = nullptr;
    if (want_rows) {
        if (c.rows_in_place) {
            hx = c.out->rows.data() + c.direct_row * d;
        } else {
            if (hx_.size() < n * d) hx_.resize(n * d);
            hx = hx_.data();
        }
        if (!cuda_ok(c, cudaMemcpyAsync(hx, x_, n * d * sizeof(float), cudaMemcpyDeviceToHost, stream_), "rows to host")) return false;
    }
    if (want_codes && c.n_code > 0) {
        if (c.codes_in_place) {
            hidx = c.out->idx.data() + c.direct_row * k;
            hval = c.out->val.data() + c.direct_row * k;
        } else {
            if (hidx_.size() < n * k) {
                hidx_.resize(n * k);
                hval_.resize(n * k);
            }
            hidx = hidx_.data();
            hval = hval_.data();
        }
        const size_t codes = (size_t) c.n_code * k;
        if (!cuda_ok(c, cudaMemcpyAsync(hidx, idx_, codes * sizeof(int32_t), cudaMemcpyDeviceToHost, stream_), "codes to host") ||
            !cuda_ok(c, cudaMemcpyAsync(hval, val_, codes * sizeof(float), cudaMemcpyDeviceToHost, stream_), "codes to host")) {
            return false;
        }
    }
    if (stats) {
        // One row list per block (sel positions of its captured rows), uploaded at once.
        const CallPlan & plan = *c.plan;
        const int32_t n_blocks = (int32_t) c.out->stats.size();
        hrows_.clear();
        std::vector<size_t> begin(n_blocks + 1, 0);
        for (int32_t b = 0; b < n_blocks; ++b) {
            begin[b] = hrows_.size();
            for (const CaptureDest & dest : plan.dests) {
                if (dest.block == b) hrows_.push_back(c.sel_of_work[dest.work]);
            }
        }
        begin[n_blocks] = hrows_.size();
        if (!ensure_row_lists(c, hrows_.size())) return false;
        if (!cuda_ok(c, cudaMemcpyAsync(rows_, hrows_.data(), hrows_.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_),
                     "row lists")) {
            return false;
        }
        for (int32_t b = 0; b < n_blocks; ++b) {
            const int32_t count = (int32_t) (begin[b + 1] - begin[b]);
            if (count == 0) continue;
            DeviceStats * ds = stats_for(c, c.spec->slot, b);
            if (!ds) return false;
            if (!sae_ok(c, llama_sae_cuda_stats_accumulate(ds->stats, idx_, val_, rows_ + begin[b], count, k, stream_), "statistics")) {
                return false;
            }
        }
    }
    (void) dev;
    // The host consumers read the copies: wait for them (and for the row lists' upload).
    if (!cuda_ok(c, cudaStreamSynchronize(stream_), "synchronize")) return false;
    return consume_captured(c, hx, hidx, hval, true);
}

bool CudaBackend::run_layer(LayerCall & c) {
    if (!ensure_stream(c)) return false;
    if (!device_capable(c)) {
        if (!c.error.empty()) return false;
        return host_->run_layer(c);  // the defined fallback: the whole call on the host
    }
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const size_t n = c.sel.size();
    if (!ensure(c, n, d, k > 0 ? k : 1) || !move_rows(c, d, true, n)) return false;
    llama_sae_cuda_sae * dev = nullptr;
    if (k > 0 && c.n_code > 0) {
        dev = device_sae(c, c.spec->sae);
        if (!dev) return false;
        if (!sae_ok(c, llama_sae_cuda_encode(dev, x_, c.n_code, k, c.spec->sae->params.activation, idx_, val_, stream_), "encode")) {
            return false;
        }
    }
    if (c.out && !c.cfg->capture_after_edits && !capture(c, dev)) return false;
    if (c.n_edit > 0) {
        const LayerEdits & le = edits_[c.layer];
        if (!sae_ok(c, llama_sae_cuda_apply_edits_and_update(dev, x_, c.n_edit, k, idx_, val_, le.table, c.cfg->edit_mode, stream_),
                    "apply edits")) {
            return false;
        }
        // Scatter back; rows the edits left untouched are copied back bit-identical.
        if (!move_rows(c, d, false, (size_t) c.n_edit)) return false;
    }
    if (c.out && c.cfg->capture_after_edits && !capture(c, dev)) return false;
    return cuda_ok(c, cudaStreamSynchronize(stream_), "synchronize");
}

void CudaBackend::begin_run(std::vector<SlotResults> &) {
    // A failed run may have left moments on the device: start from zero (on our stream, before
    // this run's accumulations).
    for (auto & slot : stats_) {
        for (auto & s : slot) {
            if (s.stats) llama_sae_cuda_stats_reset(s.stats, stream_);
        }
    }
}

bool CudaBackend::finish_run(std::vector<SlotResults> & slots, std::string * error) {
    for (size_t slot = 0; slot < stats_.size() && slot < slots.size(); ++slot) {
        for (size_t b = 0; b < stats_[slot].size() && b < slots[slot].stats.size(); ++b) {
            DeviceStats & ds = stats_[slot][b];
            FeatureStatsAcc & acc = slots[slot].stats[b];
            if (!ds.stats || ds.F != acc.n_latents) continue;
            std::vector<int64_t> count(ds.F, 0), sum_abs(2 * (size_t) ds.F, 0), sum(2 * (size_t) ds.F, 0);
            std::vector<float> max_abs(ds.F, 0.0f);
            const int32_t st = llama_sae_cuda_stats_fetch_merge(ds.stats, count.data(), sum_abs.data(), sum.data(), max_abs.data(),
                                                                nullptr, 1, stream_);
            if (st != LLAMA_SAE_CUDA_OK) {
                *error = std::string("hook (CUDA): fetching statistics: ") + llama_sae_cuda_last_error();
                return false;
            }
            acc.merge_dense(count.data(), sum_abs.data(), sum.data(), max_abs.data());
        }
    }
    return true;
}

}  // namespace

bool cuda_backend_available() { return llama_sae_cuda_device_count() > 0; }

std::unique_ptr<Backend> make_cuda_backend(Backend * host_fallback) {
    if (!cuda_backend_available()) return nullptr;
    return std::make_unique<CudaBackend>(host_fallback);
}

void cuda_release_sae(llama_sae_sae * sae) {
    if (sae && sae->cuda) llama_sae_cuda_sae_free(static_cast<llama_sae_cuda_sae *>(sae->cuda));
    if (sae) sae->cuda = nullptr;
}

}  // namespace llama_sae

#else  // !LLAMA_SAE_WITH_CUDA

namespace llama_sae {

bool cuda_backend_available() { return false; }
std::unique_ptr<Backend> make_cuda_backend(Backend *) { return nullptr; }
void cuda_release_sae(llama_sae_sae *) {}

}  // namespace llama_sae

#endif
