// CUDA path of the hook (see cuda_hook.h). Compiled into the engine only with LLAMA_SAE_WITH_CUDA.
#include "cuda_hook.h"

#ifdef LLAMA_SAE_WITH_CUDA

#include "kernel_status.h"
#include "llama_sae_cuda.h"
#include "topk_encode.h"

#include "ggml-backend.h"
#include "ggml.h"

#include <cuda_runtime.h>

#include <cstring>
#include <string>

namespace llama_sae {

namespace {

// Device state of one hook: a stream of our own (llama.cpp has synchronized its stream before the
// callback; we finish ours before returning) and grow-only scratch buffers.
struct CudaHookState {
    cudaStream_t stream = nullptr;
    float * x = nullptr;
    int32_t * idx = nullptr;
    float * val = nullptr;
    size_t cap_x = 0, cap_codes = 0;
    std::vector<llama_sae_cuda_edits *> edits;  // per layer
    std::vector<uint64_t> edits_version;         // HookState::edits_version each table was built from
};

bool check(HookState * hs, cudaError_t e, const char * what) {
    if (e == cudaSuccess) return true;
    hs->error = std::string("hook (CUDA): ") + what + ": " + cudaGetErrorString(e);
    return false;
}

bool check_sae(HookState * hs, int32_t st, const char * what) {
    if (st == LLAMA_SAE_CUDA_OK) return true;
    hs->error = std::string("hook (CUDA): ") + what + ": " + llama_sae_cuda_last_error();
    return false;
}

CudaHookState & state(HookState * hs) {
    if (!hs->cuda) hs->cuda = new CudaHookState();
    return *static_cast<CudaHookState *>(hs->cuda);
}

bool ensure(HookState * hs, CudaHookState & cs, size_t n_rows, int32_t d, int32_t k) {
    if (!cs.stream && !check(hs, cudaStreamCreateWithFlags(&cs.stream, cudaStreamNonBlocking), "stream")) return false;
    if (n_rows * d > cs.cap_x) {
        cudaFree(cs.x);
        cs.cap_x = n_rows * d;
        if (!check(hs, cudaMalloc(&cs.x, cs.cap_x * sizeof(float)), "scratch rows")) return false;
    }
    if (n_rows * k > cs.cap_codes) {
        cudaFree(cs.idx);
        cudaFree(cs.val);
        cs.cap_codes = n_rows * k;
        if (!check(hs, cudaMalloc(&cs.idx, cs.cap_codes * sizeof(int32_t)), "scratch indices")) return false;
        if (!check(hs, cudaMalloc(&cs.val, cs.cap_codes * sizeof(float)), "scratch values")) return false;
    }
    return true;
}

// The SAE's weights on the device, uploaded once per SAE.
llama_sae_cuda_sae * device_sae(HookState * hs, const llama_sae_sae * sae) {
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
    if (!check_sae(hs, llama_sae_cuda_sae_init(&w, &out), "uploading SAE weights")) return nullptr;
    sae->cuda = out;
    return out;
}

// Copies rows src[i] of t into consecutive scratch rows (to_scratch) or back (!to_scratch); runs of
// consecutive source rows move in one copy (capturing every position is a single copy).
bool move_rows(HookState * hs, CudaHookState & cs, const ggml_tensor * t, const std::vector<int32_t> & src, int32_t d, bool to_scratch) {
    const size_t row = (size_t) d * sizeof(float);
    for (size_t i = 0; i < src.size();) {
        size_t j = i + 1;
        while (j < src.size() && src[j] == src[j - 1] + 1) ++j;
        char * tensor_rows = (char *) t->data + (size_t) src[i] * t->nb[1];
        float * scratch_rows = cs.x + i * d;
        const cudaError_t e = to_scratch
            ? cudaMemcpyAsync(scratch_rows, tensor_rows, (j - i) * row, cudaMemcpyDeviceToDevice, cs.stream)
            : cudaMemcpyAsync(tensor_rows, scratch_rows, (j - i) * row, cudaMemcpyDeviceToDevice, cs.stream);
        if (!check(hs, e, to_scratch ? "gather" : "scatter")) return false;
        i = j;
    }
    return true;
}

bool gpu_mode(const llama_sae_sae * sae) {
    return sae->params.activation == LLAMA_SAE_ACT_TOPK_RELU || sae->params.activation == LLAMA_SAE_ACT_TOPK_ABS;
}

}  // namespace

bool cuda_hook_available() { return llama_sae_cuda_device_count() > 0; }

bool cuda_capture(HookState * hs, const ggml_tensor * t, const LayerHook & lh, const std::vector<int32_t> & src_index) {
    CudaHookState & cs = state(hs);
    const int32_t d = hs->n_embd;
    const size_t n = src_index.size();
    const int32_t k = lh.sae ? lh.k : 1;
    if (!ensure(hs, cs, n, d, k) || !move_rows(hs, cs, t, src_index, d, true)) return false;
    const DecodePlan & plan = *hs->plan;
    llama_sae_cuda_sae * dev = nullptr;
    if (lh.sae && gpu_mode(lh.sae)) {
        dev = device_sae(hs, lh.sae);
        if (!dev) return false;
        const int32_t mode = lh.sae->params.activation == LLAMA_SAE_ACT_TOPK_ABS ? LLAMA_SAE_CUDA_MODE_TOPK_ABS : LLAMA_SAE_CUDA_MODE_TOPK_RELU;
        if (!check_sae(hs, llama_sae_cuda_encode(dev, cs.x, (int32_t) n, k, mode, cs.idx, cs.val, cs.stream), "encode")) return false;
    }
    // Scratch row i belongs to global row plan.row_index[i]; copy each run of consecutive rows at once.
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && plan.row_index[j] == plan.row_index[j - 1] + 1) ++j;
        const int64_t first = plan.row_index[i];
        float * host_rows = (*hs->rows)[lh.capture_slot].data() + first * d;
        if (!check(hs, cudaMemcpyAsync(host_rows, cs.x + i * d, (j - i) * d * sizeof(float), cudaMemcpyDeviceToHost, cs.stream), "rows to host")) return false;
        if (dev) {
            SlotCodes & sc = (*hs->codes)[lh.capture_slot];
            if (!check(hs, cudaMemcpyAsync(sc.indices.data() + first * k, cs.idx + i * k, (j - i) * k * sizeof(int32_t), cudaMemcpyDeviceToHost, cs.stream), "codes")) return false;
            if (!check(hs, cudaMemcpyAsync(sc.values.data() + first * k, cs.val + i * k, (j - i) * k * sizeof(float), cudaMemcpyDeviceToHost, cs.stream), "codes")) return false;
        }
        i = j;
    }
    if (!check(hs, cudaStreamSynchronize(cs.stream), "synchronize")) return false;
    if (lh.sae && !dev) {
        // jumprelu / relu SAEs have no GPU kernel: encode the rows just copied to the host.
        SlotCodes & sc = (*hs->codes)[lh.capture_slot];
        for (size_t i = 0; i < n; ++i) {
            const int64_t r = plan.row_index[i];
            const int32_t st = encode(lh.sae->view(), (Activation) lh.sae->params.activation, (*hs->rows)[lh.capture_slot].data() + r * d,
                                      1, k, sc.indices.data() + r * k, sc.values.data() + r * k, nullptr);
            if (st != kOk) {
                hs->error = std::string("hook: SAE encode (CPU fallback) failed: ") + status_message(st);
                return false;
            }
        }
    }
    return true;
}

bool cuda_intervene(HookState * hs, ggml_tensor * t, const LayerHook & lh, int32_t layer, const std::vector<int32_t> & src_index) {
    CudaHookState & cs = state(hs);
    const int32_t d = hs->n_embd;
    const size_t n = src_index.size();
    if (!gpu_mode(lh.sae)) {
        hs->error = "hook (CUDA): interventions with a jumprelu/relu SAE run on the CPU backend only";
        return false;
    }
    bool all_noop = lh.steers.empty();
    for (const LatentEdit & e : lh.edits) all_noop = all_noop && e.op == kEditSwap && e.partner == e.latent;
    if (all_noop) return true;  // nothing can change: leave the rows untouched
    if (!ensure(hs, cs, n, d, lh.k) || !move_rows(hs, cs, t, src_index, d, true)) return false;
    llama_sae_cuda_sae * dev = device_sae(hs, lh.sae);
    if (!dev) return false;
    // The edit table on the device, rebuilt when the layer's edits changed.
    if (cs.edits.size() < hs->layers.size()) {
        cs.edits.resize(hs->layers.size(), nullptr);
        cs.edits_version.resize(hs->layers.size(), 0);
    }
    if (!cs.edits[layer] && !check_sae(hs, llama_sae_cuda_edits_init(dev, &cs.edits[layer]), "edit table")) return false;
    if (cs.edits_version[layer] != hs->edits_version) {
        std::vector<llama_sae_cuda_edit> list;
        for (const LatentEdit & e : lh.edits) {
            if (e.op == kEditSwap && e.partner == e.latent) continue;  // swapping a latent with itself is a no-op
            const int32_t op = e.op == kEditScale ? LLAMA_SAE_CUDA_EDIT_SCALE : e.op == kEditClamp ? LLAMA_SAE_CUDA_EDIT_CLAMP : LLAMA_SAE_CUDA_EDIT_SWAP;
            list.push_back({op, e.latent, e.partner, e.value});
        }
        for (const auto & [latent, alpha] : lh.steers) list.push_back({LLAMA_SAE_CUDA_EDIT_STEER, latent, -1, alpha});
        if (!check_sae(hs, llama_sae_cuda_edits_set(cs.edits[layer], list.data(), (int32_t) list.size(), cs.stream), "edits")) return false;
        cs.edits_version[layer] = hs->edits_version;
    }
    const int32_t mode = lh.sae->params.activation == LLAMA_SAE_ACT_TOPK_ABS ? LLAMA_SAE_CUDA_MODE_TOPK_ABS : LLAMA_SAE_CUDA_MODE_TOPK_RELU;
    if (!check_sae(hs, llama_sae_cuda_encode(dev, cs.x, (int32_t) n, lh.k, mode, cs.idx, cs.val, cs.stream), "encode")) return false;
    const int32_t update = hs->edit_mode == LLAMA_SAE_EDIT_MODE_RECONSTRUCTION ? LLAMA_SAE_CUDA_UPDATE_RECONSTRUCTION
                                                                              : LLAMA_SAE_CUDA_UPDATE_ERROR_PRESERVING;
    if (!check_sae(hs, llama_sae_cuda_apply_edits_and_update(dev, cs.x, (int32_t) n, lh.k, cs.idx, cs.val, cs.edits[layer], update,
                                                              cs.stream), "apply edits")) return false;
    // Scatter back; rows the edits left untouched are copied back bit-identical.
    if (!move_rows(hs, cs, t, src_index, d, false)) return false;
    return check(hs, cudaStreamSynchronize(cs.stream), "synchronize");
}

void cuda_release_sae(llama_sae_sae * sae) {
    if (sae && sae->cuda) llama_sae_cuda_sae_free(static_cast<llama_sae_cuda_sae *>(sae->cuda));
    if (sae) sae->cuda = nullptr;
}

void cuda_release_hook(HookState * hs) {
    if (!hs->cuda) return;
    auto * cs = static_cast<CudaHookState *>(hs->cuda);
    for (auto * e : cs->edits) if (e) llama_sae_cuda_edits_free(e);
    cudaFree(cs->x);
    cudaFree(cs->idx);
    cudaFree(cs->val);
    if (cs->stream) cudaStreamDestroy(cs->stream);
    delete cs;
    hs->cuda = nullptr;
}

}  // namespace llama_sae

#else  // !LLAMA_SAE_WITH_CUDA

namespace llama_sae {

bool cuda_hook_available() { return false; }
bool cuda_capture(HookState * hs, const ggml_tensor *, const LayerHook &, const std::vector<int32_t> &) {
    hs->error = "hook: CUDA path not built";
    return false;
}
bool cuda_intervene(HookState * hs, ggml_tensor *, const LayerHook &, int32_t, const std::vector<int32_t> &) {
    hs->error = "hook: CUDA path not built";
    return false;
}
void cuda_release_sae(llama_sae_sae *) {}
void cuda_release_hook(HookState *) {}

}  // namespace llama_sae

#endif
