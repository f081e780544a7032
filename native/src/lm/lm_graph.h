// Forward and backward pass of the small LLaMA (see lm_layout.h) over a batch of sequences of
// different lengths, written out by hand: no autograd, every gradient formula next to its
// forward step. The same code runs in float (training: GEMMs on the project's SGEMM) and in
// double (the reference the finite-difference gradient checks use).
//
// A batch is ragged: the tokens of n_seq sequences concatenated ([n_tokens]); sequence s is
// tokens[offsets[s] .. offsets[s+1]) at positions 0, 1, ... Attention never crosses sequences,
// so no padding is computed. Rows of every activation matrix are tokens in batch order.
//
// The forward pass matches llama.cpp's LLM_ARCH_LLAMA graph: token embedding rows; per block
// RMSNorm * attn_norm, Q/K/V projections, RoPE (NORM mode) on Q and K, causal softmax attention
// with scale 1/sqrt(head_dim), attn_output, residual; RMSNorm * ffn_norm, down(silu(gate) * up),
// residual; final RMSNorm * output_norm and the output projection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lm_layout.h"
#include "thread_pool.h"

namespace llama_sae {
namespace lm {

struct Batch {
    const int32_t* tokens;   // [n_tokens]
    const int32_t* offsets;  // [n_seq + 1], offsets[0] = 0, increasing
    int32_t n_seq;
    int64_t n_tokens() const { return offsets[n_seq]; }
};

/// "" when the batch fits the config (token ids, sequence lengths 1..n_ctx, offsets), else a
/// message naming the sequence or token.
std::string validate_batch(const LmConfig& c, const Batch& b);

template <class T>
class LmGraph {
public:
    /// pool: threads for GEMMs and row loops (null = calling thread only); not owned.
    LmGraph(const LmConfig& config, ThreadPool* pool);

    /// Mean weighted next-token loss: sum_n w[n] * -log p(tokens[n] | tokens of its sequence
    /// before n) / sum_n w[n], over tokens with w[n] > 0 (w[n] must be 0 at every sequence's first
    /// token). weight_sum receives sum_n w[n]. When grads is not null, writes d loss / d params
    /// there (the whole vector, same layout as params). Returns 0 when every weight is 0.
    double loss(const T* params, const Batch& b, const float* w, T* grads, double* weight_sum);

    /// logits [n_tokens, n_vocab]: at every position, the scores of the next token.
    void logits(const T* params, const Batch& b, T* out);

    const LmLayout& layout() const { return layout_; }

private:
    void prepare(const Batch& b);
    void forward(const T* P, const Batch& b);
    void backward(const T* P, const Batch& b, T* G);
    /// Backward of y [rows, out] = x [rows, in] . w [out, in]^T: writes dw = dy^T x and dx = dy w.
    void linear_backward(const T* dy, const T* x, const T* w, int64_t rows, int64_t out, int64_t in, T* dw, T* dx);

    LmConfig c_;
    LmLayout layout_;
    ThreadPool* pool_;

    // per batch
    int64_t n_ = 0;
    std::vector<int32_t> pos_;          // [N] position of each token in its sequence
    std::vector<int64_t> att_off_;      // [n_seq] first element of the sequence's probabilities
    int64_t att_size_ = 0;
    std::vector<int64_t> out_rows_;     // rows whose next-token distribution is computed
    std::vector<int32_t> out_target_;   // [n_out] target token (training) or -1
    std::vector<T> out_weight_;         // [n_out]

    // forward caches (per layer where indexed by l)
    struct LayerCache {
        std::vector<T> x_in, r1, xn1, qkv, prob, ao, x_mid, r2, xn2, gu, h;
    };
    std::vector<LayerCache> cache_;
    std::vector<T> x_fin_, rf_, xnf_, out_in_, logits_;
    std::vector<T> rope_cos_, rope_sin_;  // [n_ctx, head_dim/2]

    // backward scratch
    std::vector<T> dx_, dxn_, dh_, dgu_, dqkv_, dao_, dlogits_, dout_in_;
    std::vector<T> wt_, at_, bt_, partial_;
};

}  // namespace lm
}  // namespace llama_sae
