// C API of the small LLaMA trainer (llama_sae_lm.h) over native/src/lm.
#include "llama_sae_lm.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "api_error.h"
#include "lm_adamw.h"
#include "lm_graph.h"

using namespace llama_sae;

struct llama_sae_lm {
    lm::LmConfig config;
    std::unique_ptr<ThreadPool> pool;
    std::unique_ptr<lm::LmGraph<float>> graph;
    std::vector<float> weights, grads, m, v;
};

namespace {

llama_sae_lm* checked(llama_sae_lm* h, const char* fn) {
    if (!h) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string(fn) + ": lm is null");
    return h;
}

lm::Batch checked_batch(const llama_sae_lm* h, const int32_t* tokens, const int32_t* offsets, int32_t n_seq, const char* fn) {
    lm::Batch b{tokens, offsets, n_seq};
    const std::string err = lm::validate_batch(h->config, b);
    if (!err.empty()) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, std::string(fn) + ": " + err);
    return b;
}

}  // namespace

extern "C" {

struct llama_sae_lm_params llama_sae_lm_default_params(void) {
    struct llama_sae_lm_params p;
    std::memset(&p, 0, sizeof p);
    p.rope_freq_base = 10000.0f;
    p.rms_eps = 1e-5f;
    return p;
}

int32_t llama_sae_lm_init(struct llama_sae_lm_params p, llama_sae_lm** out_lm) {
    return guarded([&] {
        if (!out_lm) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_init: out_lm is null");
        *out_lm = nullptr;
        lm::LmConfig c;
        c.n_vocab = p.n_vocab;
        c.n_embd = p.n_embd;
        c.n_layer = p.n_layer;
        c.n_head = p.n_head;
        c.n_ff = p.n_ff;
        c.n_ctx = p.n_ctx;
        c.rope_freq_base = p.rope_freq_base;
        c.rms_eps = p.rms_eps;
        const std::string err = c.validate();
        if (!err.empty()) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_init: " + err);
        if (p.n_threads < 0) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_init: n_threads: expected >= 0 but found " + std::to_string(p.n_threads));
        auto h = std::make_unique<llama_sae_lm>();
        h->config = c;
        h->pool = std::make_unique<ThreadPool>(p.n_threads);
        h->graph = std::make_unique<lm::LmGraph<float>>(c, h->pool.get());
        const size_t n = static_cast<size_t>(h->graph->layout().total());
        h->weights.assign(n, 0.0f);
        h->grads.assign(n, 0.0f);
        h->m.assign(n, 0.0f);
        h->v.assign(n, 0.0f);
        *out_lm = h.release();
    });
}

void llama_sae_lm_free(llama_sae_lm* lm) { delete lm; }

int64_t llama_sae_lm_n_params(const llama_sae_lm* lm) { return lm ? static_cast<int64_t>(lm->weights.size()) : 0; }

int32_t llama_sae_lm_n_tensors(const llama_sae_lm* lm) {
    return lm ? static_cast<int32_t>(lm->graph->layout().tensors().size()) : 0;
}

int32_t llama_sae_lm_get_tensor(const llama_sae_lm* lm, int32_t index, struct llama_sae_lm_tensor* out) {
    return guarded([&] {
        if (!lm || !out) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_get_tensor: lm and out must not be null");
        const auto& ts = lm->graph->layout().tensors();
        if (index < 0 || index >= static_cast<int32_t>(ts.size())) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "lm_get_tensor: index: expected 0.." + std::to_string(ts.size() - 1) +
                                                 " but found " + std::to_string(index));
        }
        const lm::TensorSlot& s = ts[static_cast<size_t>(index)];
        std::memset(out->name, 0, sizeof out->name);
        std::strncpy(out->name, s.name.c_str(), sizeof out->name - 1);
        out->offset = s.offset;
        out->rows = s.rows;
        out->cols = s.cols;
    });
}

float* llama_sae_lm_weights(llama_sae_lm* lm) { return lm ? lm->weights.data() : nullptr; }
float* llama_sae_lm_grads(llama_sae_lm* lm) { return lm ? lm->grads.data() : nullptr; }
float* llama_sae_lm_adam_m(llama_sae_lm* lm) { return lm ? lm->m.data() : nullptr; }
float* llama_sae_lm_adam_v(llama_sae_lm* lm) { return lm ? lm->v.data() : nullptr; }

int32_t llama_sae_lm_loss(llama_sae_lm* lm, const int32_t* tokens, const int32_t* offsets, int32_t n_seq, const float* weights,
                          bool backward, double* loss, double* weight_sum) {
    return guarded([&] {
        checked(lm, "lm_loss");
        if (!weights || !loss) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_loss: weights and loss must not be null");
        const lm::Batch b = checked_batch(lm, tokens, offsets, n_seq, "lm_loss");
        for (int32_t s = 0; s < n_seq; ++s) {
            for (int64_t n = offsets[s]; n < offsets[s + 1]; ++n) {
                if (!std::isfinite(weights[n]) || weights[n] < 0) {
                    fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_loss: weights[" + std::to_string(n) + "]: expected finite and >= 0 but found " +
                                                             std::to_string(weights[n]));
                }
            }
            if (weights[offsets[s]] != 0) {
                fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_loss: weights[" + std::to_string(offsets[s]) + "]: expected 0 at the first token of sequence " +
                                                         std::to_string(s) + " (nothing precedes it) but found " + std::to_string(weights[offsets[s]]));
            }
        }
        *loss = lm->graph->loss(lm->weights.data(), b, weights, backward ? lm->grads.data() : nullptr, weight_sum);
    });
}

int32_t llama_sae_lm_logits(llama_sae_lm* lm, const int32_t* tokens, const int32_t* offsets, int32_t n_seq, float* logits) {
    return guarded([&] {
        checked(lm, "lm_logits");
        if (!logits) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_logits: logits is null");
        const lm::Batch b = checked_batch(lm, tokens, offsets, n_seq, "lm_logits");
        lm->graph->logits(lm->weights.data(), b, logits);
    });
}

struct llama_sae_lm_adamw_params llama_sae_lm_adamw_default_params(void) {
    const lm::AdamWParams d;
    struct llama_sae_lm_adamw_params p;
    p.lr = d.lr;
    p.beta1 = d.beta1;
    p.beta2 = d.beta2;
    p.eps = d.eps;
    p.weight_decay = d.weight_decay;
    p.clip_norm = d.clip_norm;
    p.step = d.step;
    return p;
}

int32_t llama_sae_lm_adamw_step(llama_sae_lm* lm, struct llama_sae_lm_adamw_params p, double* grad_norm) {
    return guarded([&] {
        checked(lm, "lm_adamw_step");
        const bool ok = std::isfinite(p.lr) && p.lr >= 0 && p.beta1 >= 0 && p.beta1 < 1 && p.beta2 >= 0 && p.beta2 < 1 &&
                        p.eps > 0 && std::isfinite(p.weight_decay) && p.weight_decay >= 0 && std::isfinite(p.clip_norm) &&
                        p.clip_norm >= 0 && p.step >= 1;
        if (!ok) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_adamw_step: expected lr >= 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0, "
                                                 "clip_norm >= 0, step >= 1 but found lr=" + std::to_string(p.lr) + " beta1=" +
                                                     std::to_string(p.beta1) + " beta2=" + std::to_string(p.beta2) + " eps=" +
                                                     std::to_string(p.eps) + " weight_decay=" + std::to_string(p.weight_decay) +
                                                     " clip_norm=" + std::to_string(p.clip_norm) + " step=" + std::to_string(p.step));
        }
        lm::AdamWParams a;
        a.lr = p.lr;
        a.beta1 = p.beta1;
        a.beta2 = p.beta2;
        a.eps = p.eps;
        a.weight_decay = p.weight_decay;
        a.clip_norm = p.clip_norm;
        a.step = p.step;
        const double norm = lm::adamw_step(lm->weights.data(), lm->grads.data(), lm->m.data(), lm->v.data(), lm->graph->layout(), a,
                                           lm->pool.get());
        if (grad_norm) *grad_norm = norm;
        // a non-finite gradient would poison every weight: adamw_step left them unchanged
        if (!std::isfinite(norm)) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "lm_adamw_step: gradient norm is not finite (training diverged); weights unchanged");
    });
}

}  // extern "C"
