// SAEs in the engine: creation from canonical weights, standalone encode/decode, attachment to
// captured layers (llama_sae_sae_*, llama_sae_context_set_sae, llama_sae_codes_*).
#include "api_error.h"
#include "engine_internal.h"
#include "kernel_status.h"
#include "sparse_edit.h"
#include "topk_encode.h"

#include <cmath>
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

void llama_sae_sae_free(llama_sae_sae * sae) { delete sae; }

int32_t llama_sae_sae_encode(const llama_sae_sae * sae, const float * x, int64_t n_rows, int32_t k, int32_t * indices,
                             float * values, int32_t n_threads) {
    return guarded([&] {
        if (!sae) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae_encode: sae is null");
        const int32_t kk = k == 0 ? sae->params.k : k;
        const int threads = n_threads > 0 ? n_threads : (int) std::max(1u, std::thread::hardware_concurrency());
        ThreadPool pool(threads);
        check_kernel(encode(sae->view(), (Activation) sae->params.activation, x, n_rows, kk, indices, values, &pool),
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
        if (layer < 0 || layer >= ctx->model->n_layer || ctx->hook.slot_of_layer[layer] < 0) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "set_sae: layer " + std::to_string(layer) +
                 " is not in the capture list (call set_capture with it first)");
        }
        AttachedSae & a = ctx->saes[ctx->hook.slot_of_layer[layer]];
        if (!sae) {
            a = AttachedSae{};
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
        a.sae = sae;
        a.k = kk;
        ctx->have_results = false;
    });
}

static const AttachedSae * codes_of(const llama_sae_context * ctx, int32_t slot) {
    if (!ctx || !ctx->have_results || slot < 0 || slot >= (int32_t) ctx->saes.size() || !ctx->saes[slot].sae) return nullptr;
    return &ctx->saes[slot];
}

int32_t llama_sae_codes_k(const llama_sae_context * ctx, int32_t slot) {
    const AttachedSae * a = codes_of(ctx, slot);
    return a ? a->k : 0;
}

const int32_t * llama_sae_codes_indices(const llama_sae_context * ctx, int32_t slot) {
    const AttachedSae * a = codes_of(ctx, slot);
    return a ? a->indices.data() : nullptr;
}

const float * llama_sae_codes_values(const llama_sae_context * ctx, int32_t slot) {
    const AttachedSae * a = codes_of(ctx, slot);
    return a ? a->values.data() : nullptr;
}

}  // extern "C"
