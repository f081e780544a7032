// SAEs in the engine: creation from canonical weights, standalone encode/decode, attachment to
// captured layers (llama_sae_sae_*, llama_sae_context_set_sae, llama_sae_codes_*).
#include "api_error.h"
#include "engine_internal.h"
#include "kernel_status.h"
#include "sparse_edit.h"
#include "topk_encode.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

using namespace llama_sae;

namespace {

std::vector<float> copy_finite(const float * src, size_t n, const char * name) {
    if (!src) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string("sae_create: ") + name + " is null");
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(src[i])) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string("sae_create: ") + name + " has a non-finite value (" +
                 std::to_string(src[i]) + ") at flat index " + std::to_string(i));
        }
    }
    return std::vector<float>(src, src + n);
}

void check_kernel(int32_t st, const char * what) {
    if (st != kOk) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string(what) + ": " + status_message(st));
}

// Standalone encodes (training, the encode command) reuse one pool: starting and joining threads
// on every call cost more than a small encode. Calls take turns; each already uses every thread it
// asked for. The pool lives as long as the process (threads sleep between calls).
std::mutex g_encode_mu;
ThreadPool * g_encode_pool = nullptr;

ThreadPool & encode_pool(int threads) {
    if (!g_encode_pool || g_encode_pool->size() != threads) {
        delete g_encode_pool;
        g_encode_pool = new ThreadPool(threads);
    }
    return *g_encode_pool;
}

}  // namespace

extern "C" {

int32_t llama_sae_sae_create(struct llama_sae_sae_params p, const float * W_enc, const float * b_enc, const float * W_dec,
                             const float * b_dec, const float * threshold, llama_sae_sae ** out_sae) {
    return guarded([&] {
        if (!out_sae) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_create: out_sae is null");
        *out_sae = nullptr;
        if (p.n_embd <= 0 || p.n_latents <= 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_create: n_embd and n_latents must be > 0, found " +
                 std::to_string(p.n_embd) + " and " + std::to_string(p.n_latents));
        }
        if (p.k < 1 || p.k > p.n_latents) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_create: k = " + std::to_string(p.k) + " but the SAE has " +
                 std::to_string(p.n_latents) + " latents (expected 1 <= k <= n_latents)");
        }
        if (p.activation < LLAMA_SAE_ACT_TOPK_RELU || p.activation > LLAMA_SAE_ACT_RELU) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_create: unknown activation " + std::to_string(p.activation));
        }
        if (p.activation == LLAMA_SAE_ACT_JUMPRELU && !threshold) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_create: JumpReLU needs a threshold [n_latents]");
        }
        const size_t fd = (size_t) p.n_latents * (size_t) p.n_embd;
        auto s = std::make_unique<llama_sae_sae>();
        s->params = p;
        s->W_enc = copy_finite(W_enc, fd, "W_enc");
        s->b_enc = copy_finite(b_enc, p.n_latents, "b_enc");
        s->W_dec = copy_finite(W_dec, fd, "W_dec");
        s->b_dec = copy_finite(b_dec, p.n_embd, "b_dec");
        if (threshold) s->threshold = copy_finite(threshold, p.n_latents, "threshold");
        *out_sae = s.release();
    });
}

void llama_sae_sae_free(llama_sae_sae * sae) {
    cuda_release_sae(sae);
    delete sae;
}

int32_t llama_sae_sae_encode(const llama_sae_sae * sae, const float * x, int64_t n_rows, int32_t k, int32_t * indices,
                             float * values, int32_t n_threads) {
    return guarded([&] {
        if (!sae) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_encode: sae is null");
        const int32_t kk = k == 0 ? sae->params.k : k;
        const int threads = n_threads > 0 ? n_threads : (int) std::max(1u, std::thread::hardware_concurrency());
        std::lock_guard<std::mutex> lock(g_encode_mu);
        check_kernel(encode(sae->view(), (Activation) sae->params.activation, x, n_rows, kk, indices, values, &encode_pool(threads)),
                     "sae_encode");
    });
}

int32_t llama_sae_sae_decode(const llama_sae_sae * sae, const int32_t * indices, const float * values, int64_t n_rows,
                             int32_t k, float * out) {
    return guarded([&] {
        if (!sae || !indices || !values || !out || n_rows < 0 || k < 1) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_decode: null pointer, n_rows < 0 or k < 1");
        }
        const int32_t d = sae->params.n_embd;
        for (int64_t r = 0; r < n_rows; ++r) {
            const int32_t st = decode(sae->view(), indices + r * k, values + r * k, k, out + r * d);
            if (st == kErrBadIndex) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "sae_decode: row " + std::to_string(r) + " has a latent index outside [-1, " +
                     std::to_string(sae->params.n_latents) + ")");
            }
            check_kernel(st, "sae_decode");
        }
    });
}

int32_t llama_sae_context_set_sae(llama_sae_context * ctx, int32_t layer, const llama_sae_sae * sae, int32_t k) {
    return guarded([&] {
        if (!ctx) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_sae: ctx is null");
        if (layer < 0 || layer >= ctx->model->n_layer) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "set_sae: layer " + std::to_string(layer) + " out of range: the model has " +
                 std::to_string(ctx->model->n_layer) + " blocks");
        }
        if (!ctx->params.hook) fail(LLAMA_SAE_ERR_STATE, "set_sae: context was created without the hook");
        LayerSpec & lh = ctx->layers[layer];
        ctx->have_results = false;
        if (!sae) {
            if (lh.edits.any()) fail(LLAMA_SAE_ERR_STATE, "set_sae: layer " + std::to_string(layer) + " has interventions; clear them first");
            lh.sae = nullptr;
            lh.k = 0;
            return;
        }
        if (sae->params.n_embd != ctx->model->n_embd) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_sae: the SAE expects rows of width " + std::to_string(sae->params.n_embd) +
                 " but the model's n_embd is " + std::to_string(ctx->model->n_embd));
        }
        const int32_t kk = k == 0 ? sae->params.k : k;
        if (kk < 1 || kk > sae->params.n_latents) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_sae: k = " + std::to_string(kk) + " outside 1.." +
                 std::to_string(sae->params.n_latents));
        }
        if (lh.edits.any() && sae != lh.sae) fail(LLAMA_SAE_ERR_STATE, "set_sae: layer " + std::to_string(layer) + " has interventions; clear them first");
        lh.sae = sae;
        lh.k = kk;
    });
}

int32_t llama_sae_context_set_edits(llama_sae_context * ctx, const struct llama_sae_edit * edits, int32_t n_edits, int32_t mode,
                                    const int32_t * positions, int32_t n_positions, bool all_positions, bool generated) {
    return guarded([&] {
        if (!ctx || n_edits < 0 || n_positions < 0 || (n_edits > 0 && !edits) || (n_positions > 0 && !positions)) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_edits: null pointer or negative count");
        }
        if (mode != LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING && mode != LLAMA_SAE_EDIT_MODE_RECONSTRUCTION) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_edits: unknown mode " + std::to_string(mode));
        }
        if (n_edits > 0 && !ctx->params.hook) fail(LLAMA_SAE_ERR_STATE, "set_edits: context was created without the hook");
        if (n_edits > 0 && !all_positions && !generated && n_positions == 0) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_edits: no positions (list positions, all_positions or generated)");
        }
        // Validate everything before changing anything. These checks are the whole accept/reject
        // table of edits, for every backend (the CUDA backend runs what its device table cannot
        // hold on the host, see cuda_backend.cpp).
        static std::atomic<uint64_t> versions{0};
        const uint64_t version = ++versions;
        std::vector<EditTable> next(ctx->model->n_layer);
        for (auto & t : next) t.version = version;
        for (int32_t i = 0; i < n_edits; ++i) {
            const llama_sae_edit & e = edits[i];
            const std::string which = "set_edits: edit " + std::to_string(i) + " (layer " + std::to_string(e.layer) + ", latent " +
                                      std::to_string(e.latent) + ")";
            if (e.layer < 0 || e.layer >= ctx->model->n_layer) fail(LLAMA_SAE_ERR_OUT_OF_RANGE, which + ": layer out of range");
            EditTable & lh = next[e.layer];
            const llama_sae_sae * sae = ctx->layers[e.layer].sae;
            if (!sae) fail(LLAMA_SAE_ERR_STATE, which + ": no SAE is attached to that layer");
            const int32_t F = sae->params.n_latents;
            if (e.latent < 0 || e.latent >= F) {
                fail(LLAMA_SAE_ERR_OUT_OF_RANGE, which + ": latent outside 0.." + std::to_string(F - 1));
            }
            if (!std::isfinite(e.value)) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, which + ": value is not finite");
            switch (e.op) {
                case LLAMA_SAE_EDIT_SCALE: lh.edits.push_back({e.latent, kEditScale, e.value, -1}); break;
                case LLAMA_SAE_EDIT_CLAMP: lh.edits.push_back({e.latent, kEditClamp, e.value, -1}); break;
                case LLAMA_SAE_EDIT_SWAP:
                    if (e.partner < 0 || e.partner >= F) {
                        fail(LLAMA_SAE_ERR_OUT_OF_RANGE, which + ": swap partner " + std::to_string(e.partner) + " outside 0.." +
                             std::to_string(F - 1));
                    }
                    lh.edits.push_back({e.latent, kEditSwap, 0.0f, e.partner});
                    break;
                case LLAMA_SAE_EDIT_STEER: lh.steers.emplace_back(e.latent, e.value); break;
                default: fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, which + ": unknown op " + std::to_string(e.op));
            }
        }
        for (int32_t il = 0; il < ctx->model->n_layer; ++il) ctx->layers[il].edits = std::move(next[il]);
        ctx->config.edit_mode = mode;
        ctx->edit_placement.positions.assign(positions, positions + n_positions);
        ctx->edit_placement.all_positions = all_positions;
        ctx->edit_placement.generated = generated;
        ctx->have_results = false;
    });
}

int32_t llama_sae_context_set_capture_after_edits(llama_sae_context * ctx, bool after) {
    return guarded([&] {
        if (!ctx) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "set_capture_after_edits: ctx is null");
        ctx->config.capture_after_edits = after;
        ctx->have_results = false;
    });
}

}  // extern "C"
