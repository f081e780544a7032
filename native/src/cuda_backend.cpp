// The CUDA backend of the layer pipeline (layer_pipeline.h): the same steps as the CPU backend on a
// tensor in CUDA device memory, with the kernels of cuda/. Rows are gathered on the device, encoded
// there once, edited in place there; only what the host consumers need crosses to the host (the
// captured rows with ROWS or METRICS, the codes with CODES, STATS or METRICS); feature moments are
// accumulated on the device by the statistics kernel and merged into the host statistics at the
// end of the run (the top samples are kept on the host from the codes).
//
// Round trips (issue 13): llama.cpp's scheduler has synchronized its stream before the callback,
// and reuses the tensor's memory as soon as the callback returns, so the callback must not return
// before its reads (and its edits) of the tensor are done. Everything else is deferred:
//   - the gather runs on a copy stream into the layer's own device rows; a capture-only layer
//     waits for that copy alone, while its encode, statistics and device-to-host copies queue on
//     the work stream and overlap with llama.cpp's next layers;
//   - a layer with edits waits for its whole pipeline (the edit is read by the next layer);
//   - the host consumers (codes into the results, top samples, reconstruction sums) run once per
//     decode call, after llama_decode (finish_call), from per-layer host copies;
//   - device-to-host copies land in page-locked memory: the results' own buffers are pinned
//     (cudaHostRegister, once per allocation, >= 1 MiB), other copies go to pinned staging;
//   - edit tables stay on the device between calls (uploaded when the edits change).
// LLAMA_SAE_HOOK_PROFILE=1 prints, per run, the time spent in the callbacks and waiting on the device.
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

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
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

// Page-locked host memory that grows (cudaMallocHost), for device-to-host copies that are not
// written straight into the results.
struct PinnedBuffer {
    void * p = nullptr;
    size_t bytes = 0;
    PinnedBuffer() = default;
    PinnedBuffer(const PinnedBuffer &) = delete;
    PinnedBuffer & operator=(const PinnedBuffer &) = delete;
    ~PinnedBuffer() { if (p) cudaFreeHost(p); }
    // Callers synchronize the work stream before a buffer can move (its copies may be in flight).
    bool reserve(size_t need, LayerCall & c) {
        if (need <= bytes) return true;
        if (p) cudaFreeHost(p);
        p = nullptr;
        bytes = 0;
        if (!cuda_ok(c, cudaMallocHost(&p, need), "pinned host buffer")) return false;
        bytes = need;
        return true;
    }
};

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(Backend * host) : host_(host) {
        const char * p = std::getenv("LLAMA_SAE_HOOK_PROFILE");
        profile_ = p && *p && std::strcmp(p, "0") != 0;
    }
    ~CudaBackend() override;
    const char * name() const override { return "CUDA"; }
    void begin_run(std::vector<SlotResults> & slots) override;
    bool finish_call(std::string * error) override;
    bool finish_run(std::vector<SlotResults> & slots, std::string * error) override;
    bool run_layer(LayerCall & c) override;
    void release_host(const void * p) override;

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
    // A layer's device rows and codes (its own: the work of earlier layers may still read theirs),
    // the event of its gather, and its host copies when they do not go straight to the results.
    struct LayerBuffers {
        float * x = nullptr;
        int32_t * idx = nullptr;
        float * val = nullptr;
        int32_t * rows = nullptr;  // statistics row lists
        size_t cap_x = 0, cap_codes = 0, cap_rows = 0;
        cudaEvent_t gathered = nullptr;
        PinnedBuffer hx, hidx, hval;
        std::vector<int32_t> hrows;
    };
    // A captured layer whose host consumers run after the decode call.
    struct Pending {
        LayerCall call;
        const float * x = nullptr;
        const int32_t * idx = nullptr;
        const float * val = nullptr;
    };

    bool device_capable(LayerCall & c);
    bool ensure_streams(LayerCall & c);
    bool ensure(LayerCall & c, LayerBuffers & lb, size_t n, int32_t d, int32_t k);
    bool gather(LayerCall & c, LayerBuffers & lb, int32_t d, size_t count);
    bool scatter(LayerCall & c, LayerBuffers & lb, int32_t d, size_t count);
    bool capture(LayerCall & c, LayerBuffers & lb);
    bool wait(LayerCall & c, cudaError_t (*fn)(void *), void * what, const char * label);
    void pin(void * p, size_t bytes);
    DeviceStats * stats_for(LayerCall & c, int32_t slot, int32_t block);

    Backend * host_;
    cudaStream_t stream_ = nullptr;  // work: encode, statistics, edits, copies to the host
    cudaStream_t copy_ = nullptr;    // gathers out of llama.cpp's tensors
    std::vector<std::unique_ptr<LayerBuffers>> buffers_;  // per layer (stable: pending copies point into them)
    std::vector<LayerEdits> edits_;                // per layer
    std::vector<std::vector<DeviceStats>> stats_;  // [slot][block]
    std::vector<Pending> pending_;                 // this decode call's captured layers
    std::map<const void *, size_t> pinned_;        // registered result buffers (0 = could not be pinned)
    bool profile_ = false;
    double wait_ms_ = 0.0, consume_ms_ = 0.0, layer_ms_ = 0.0;
    int64_t layer_calls_ = 0;
};

CudaBackend::~CudaBackend() {
    if (stream_) cudaStreamSynchronize(stream_);
    for (auto & e : edits_) llama_sae_cuda_edits_free(e.table);
    for (auto & slot : stats_) for (auto & s : slot) llama_sae_cuda_stats_free(s.stats);
    for (auto & lb : buffers_) {
        if (!lb) continue;
        cudaFree(lb->x);
        cudaFree(lb->idx);
        cudaFree(lb->val);
        cudaFree(lb->rows);
        if (lb->gathered) cudaEventDestroy(lb->gathered);
    }
    for (auto & [p, bytes] : pinned_) {
        if (bytes) cudaHostUnregister(const_cast<void *>(p));
    }
    if (copy_) cudaStreamDestroy(copy_);
    if (stream_) cudaStreamDestroy(stream_);
}

bool CudaBackend::ensure_streams(LayerCall & c) {
    return (stream_ || cuda_ok(c, cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "stream")) &&
           (copy_ || cuda_ok(c, cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking), "copy stream"));
}

// Host waits, timed for LLAMA_SAE_HOOK_PROFILE.
bool CudaBackend::wait(LayerCall & c, cudaError_t (*fn)(void *), void * what, const char * label) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = cuda_ok(c, fn(what), label);
    wait_ms_ += ms_since(t0);
    return ok;
}

cudaError_t sync_stream(void * s) { return cudaStreamSynchronize(static_cast<cudaStream_t>(s)); }
cudaError_t sync_event(void * e) { return cudaEventSynchronize(static_cast<cudaEvent_t>(e)); }

bool CudaBackend::ensure(LayerCall & c, LayerBuffers & lb, size_t n, int32_t d, int32_t k) {
    const bool grow = n * d > lb.cap_x || n * k > lb.cap_codes;
    // Work of earlier calls may still read the old buffers.
    if (grow && !wait(c, sync_stream, stream_, "synchronize before growing buffers")) return false;
    if (n * d > lb.cap_x) {
        cudaFree(lb.x);
        lb.x = nullptr;
        lb.cap_x = n * d;
        if (!cuda_ok(c, cudaMalloc(&lb.x, lb.cap_x * sizeof(float)), "scratch rows")) return false;
    }
    if (n * k > lb.cap_codes) {
        cudaFree(lb.idx);
        cudaFree(lb.val);
        lb.idx = nullptr;
        lb.val = nullptr;
        lb.cap_codes = n * k;
        if (!cuda_ok(c, cudaMalloc(&lb.idx, lb.cap_codes * sizeof(int32_t)), "scratch indices")) return false;
        if (!cuda_ok(c, cudaMalloc(&lb.val, lb.cap_codes * sizeof(float)), "scratch values")) return false;
    }
    return lb.gathered || cuda_ok(c, cudaEventCreateWithFlags(&lb.gathered, cudaEventDisableTiming), "event");
}

// Copies sel rows [0, count) of the tensor into the layer's consecutive device rows, on the copy
// stream; runs of consecutive tensor rows move in one copy (every position is a single copy).
// The work stream waits for it on the device; the callback waits for it before returning.
bool CudaBackend::gather(LayerCall & c, LayerBuffers & lb, int32_t d, size_t count) {
    const size_t row = (size_t) d * sizeof(float);
    for (size_t i = 0; i < count;) {
        size_t j = i + 1;
        while (j < count && c.src[j] == c.src[j - 1] + 1) ++j;
        const char * tensor_rows = (const char *) c.t->data + (size_t) c.src[i] * c.t->nb[1];
        if (!cuda_ok(c, cudaMemcpyAsync(lb.x + i * d, tensor_rows, (j - i) * row, cudaMemcpyDeviceToDevice, copy_), "gather")) return false;
        i = j;
    }
    return cuda_ok(c, cudaEventRecord(lb.gathered, copy_), "record gather") &&
           cuda_ok(c, cudaStreamWaitEvent(stream_, lb.gathered, 0), "order after gather");
}

// Writes edited rows [0, count) back into the tensor, on the work stream.
bool CudaBackend::scatter(LayerCall & c, LayerBuffers & lb, int32_t d, size_t count) {
    const size_t row = (size_t) d * sizeof(float);
    for (size_t i = 0; i < count;) {
        size_t j = i + 1;
        while (j < count && c.src[j] == c.src[j - 1] + 1) ++j;
        char * tensor_rows = (char *) c.t->data + (size_t) c.src[i] * c.t->nb[1];
        if (!cuda_ok(c, cudaMemcpyAsync(tensor_rows, lb.x + i * d, (j - i) * row, cudaMemcpyDeviceToDevice, stream_), "scatter")) return false;
        i = j;
    }
    return true;
}

// Page-locks a results buffer once per allocation, so copies into it run at full link speed and
// asynchronously. Small buffers are left alone (they may share pages with other allocations).
void CudaBackend::pin(void * p, size_t bytes) {
    if (!p || bytes < (1u << 20) || pinned_.count(p)) return;
    if (cudaHostRegister(p, bytes, cudaHostRegisterDefault) == cudaSuccess) {
        pinned_[p] = bytes;
    } else {
        cudaGetLastError();  // e.g. a memlock limit: the copies stay pageable
        pinned_[p] = 0;
    }
}

void CudaBackend::release_host(const void * p) {
    auto it = pinned_.find(p);
    if (it == pinned_.end()) return;
    if (stream_) cudaStreamSynchronize(stream_);
    if (it->second) cudaHostUnregister(const_cast<void *>(p));
    pinned_.erase(it);
}

bool CudaBackend::device_capable(LayerCall & c) {
    const llama_sae_sae * sae = c.spec->sae;
    if (!sae) return true;  // rows only
    if (c.spec->splice != Splice::None) return false;  // spliced-in evaluation: the host path
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
            if (!wait(c, sync_stream, stream_, "synchronize before replacing edits")) return false;
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
        if (!wait(c, sync_stream, stream_, "synchronize before replacing statistics")) return nullptr;
        llama_sae_cuda_stats_free(ds.stats);
        ds.stats = nullptr;
    }
    if (!ds.stats) {
        if (!sae_ok(c, llama_sae_cuda_stats_init(F, &ds.stats), "statistics")) return nullptr;
        ds.F = F;
    }
    return &ds;
}

// The captured rows' consumers: enqueues the copies to the host of what they read and the feature
// moments on the device; the host part runs after the decode call (finish_call).
bool CudaBackend::capture(LayerCall & c, LayerBuffers & lb) {
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
    Pending p;
    if (want_rows) {
        float * hx = nullptr;
        if (c.rows_in_place) {
            pin(c.out->rows.data(), c.out->rows.capacity() * sizeof(float));
            hx = c.out->rows.data() + c.direct_row * d;
        } else {
            if (!lb.hx.reserve(n * d * sizeof(float), c)) return false;
            hx = static_cast<float *>(lb.hx.p);
        }
        if (!cuda_ok(c, cudaMemcpyAsync(hx, lb.x, n * d * sizeof(float), cudaMemcpyDeviceToHost, stream_), "rows to host")) return false;
        p.x = hx;
    }
    if (want_codes && c.n_code > 0) {
        int32_t * hidx = nullptr;
        float * hval = nullptr;
        if (c.codes_in_place) {
            pin(c.out->idx.data(), c.out->idx.capacity() * sizeof(int32_t));
            pin(c.out->val.data(), c.out->val.capacity() * sizeof(float));
            hidx = c.out->idx.data() + c.direct_row * k;
            hval = c.out->val.data() + c.direct_row * k;
        } else {
            if (!lb.hidx.reserve(n * k * sizeof(int32_t), c) || !lb.hval.reserve(n * k * sizeof(float), c)) return false;
            hidx = static_cast<int32_t *>(lb.hidx.p);
            hval = static_cast<float *>(lb.hval.p);
        }
        const size_t codes = (size_t) c.n_code * k;
        if (!cuda_ok(c, cudaMemcpyAsync(hidx, lb.idx, codes * sizeof(int32_t), cudaMemcpyDeviceToHost, stream_), "codes to host") ||
            !cuda_ok(c, cudaMemcpyAsync(hval, lb.val, codes * sizeof(float), cudaMemcpyDeviceToHost, stream_), "codes to host")) {
            return false;
        }
        p.idx = hidx;
        p.val = hval;
    }
    if (stats) {
        // One row list per block (sel positions of its captured rows), uploaded at once.
        const CallPlan & plan = *c.plan;
        const int32_t n_blocks = (int32_t) c.out->stats.size();
        lb.hrows.clear();
        std::vector<size_t> begin(n_blocks + 1, 0);
        for (int32_t b = 0; b < n_blocks; ++b) {
            begin[b] = lb.hrows.size();
            for (const CaptureDest & dest : plan.dests) {
                if (dest.block == b) lb.hrows.push_back(c.sel_of_work[dest.work]);
            }
        }
        begin[n_blocks] = lb.hrows.size();
        if (lb.hrows.size() > lb.cap_rows) {
            if (!wait(c, sync_stream, stream_, "synchronize before growing row lists")) return false;
            cudaFree(lb.rows);
            lb.rows = nullptr;
            lb.cap_rows = lb.hrows.size();
            if (!cuda_ok(c, cudaMalloc(&lb.rows, lb.cap_rows * sizeof(int32_t)), "scratch row lists")) return false;
        }
        // (pageable source: the copy is staged before cudaMemcpyAsync returns, so hrows may change after)
        if (!cuda_ok(c, cudaMemcpyAsync(lb.rows, lb.hrows.data(), lb.hrows.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_),
                     "row lists")) {
            return false;
        }
        for (int32_t b = 0; b < n_blocks; ++b) {
            const int32_t count = (int32_t) (begin[b + 1] - begin[b]);
            if (count == 0) continue;
            DeviceStats * ds = stats_for(c, c.spec->slot, b);
            if (!ds) return false;
            if (!sae_ok(c, llama_sae_cuda_stats_accumulate(ds->stats, lb.idx, lb.val, lb.rows + begin[b], count, k, stream_), "statistics")) {
                return false;
            }
        }
    }
    p.call = c;
    pending_.push_back(std::move(p));
    return true;
}

bool CudaBackend::run_layer(LayerCall & c) {
    const auto t0 = std::chrono::steady_clock::now();
    ++layer_calls_;
    if (!ensure_streams(c)) return false;
    if (!device_capable(c)) {
        if (!c.error.empty()) return false;
        return host_->run_layer(c);  // the defined fallback: the whole call on the host
    }
    const int32_t d = c.cfg->n_embd;
    const int32_t k = c.k();
    const size_t n = c.sel.size();
    if (buffers_.size() <= (size_t) c.layer) buffers_.resize((size_t) c.layer + 1);
    if (!buffers_[c.layer]) buffers_[c.layer] = std::make_unique<LayerBuffers>();
    LayerBuffers & lb = *buffers_[c.layer];
    // A layer met twice in one call (never with one ubatch per call) would overwrite its rows.
    for (const Pending & p : pending_) {
        if (p.call.layer == c.layer && !wait(c, sync_stream, stream_, "synchronize")) return false;
    }
    if (!ensure(c, lb, n, d, k > 0 ? k : 1) || !gather(c, lb, d, n)) return false;
    if (k > 0 && c.n_code > 0) {
        llama_sae_cuda_sae * dev = device_sae(c, c.spec->sae);
        if (!dev) return false;
        if (!sae_ok(c, llama_sae_cuda_encode(dev, lb.x, c.n_code, k, c.spec->sae->params.activation, lb.idx, lb.val, stream_), "encode")) {
            return false;
        }
    }
    if (c.out && !c.cfg->capture_after_edits && !capture(c, lb)) return false;
    bool done = true;
    if (c.n_edit > 0) {
        const LayerEdits & le = edits_[c.layer];
        llama_sae_cuda_sae * dev = device_sae(c, c.spec->sae);
        if (!dev || !sae_ok(c, llama_sae_cuda_apply_edits_and_update(dev, lb.x, c.n_edit, k, lb.idx, lb.val, le.table, c.cfg->edit_mode,
                                                                    stream_),
                            "apply edits")) {
            return false;
        }
        // Scatter back; rows the edits left untouched are copied back bit-identical.
        if (!scatter(c, lb, d, (size_t) c.n_edit)) return false;
        if (c.out && c.cfg->capture_after_edits && !capture(c, lb)) return false;
        // The next layer reads the edited rows: wait for the whole pipeline.
        done = wait(c, sync_stream, stream_, "synchronize");
    } else {
        // llama.cpp reuses the tensor's memory after we return: wait for the gather only.
        done = wait(c, sync_event, lb.gathered, "synchronize gather");
    }
    layer_ms_ += ms_since(t0);
    return done;
}

bool CudaBackend::finish_call(std::string * error) {
    if (pending_.empty()) return true;
    LayerCall probe;
    const bool synced = wait(probe, sync_stream, stream_, "synchronize");
    const auto t0 = std::chrono::steady_clock::now();
    bool ok = synced;
    for (Pending & p : pending_) {
        if (!ok) break;
        ok = consume_captured(p.call, p.x, p.idx, p.val, true);
        if (!ok) *error = std::string("hook (CUDA) at l_out-") + std::to_string(p.call.layer) + ": " + p.call.error;
    }
    if (!synced) *error = std::string("hook (CUDA): ") + probe.error;
    consume_ms_ += ms_since(t0);
    pending_.clear();
    return ok;
}

void CudaBackend::begin_run(std::vector<SlotResults> &) {
    pending_.clear();
    wait_ms_ = consume_ms_ = layer_ms_ = 0.0;
    layer_calls_ = 0;
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
    if (profile_) {
        std::fprintf(stderr, "hook profile (CUDA): %lld layer calls, %.2f ms in the callbacks (of which %.2f ms waiting on the device), "
                             "%.2f ms in host consumers after the decode calls\n",
                     (long long) layer_calls_, layer_ms_, wait_ms_, consume_ms_);
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
