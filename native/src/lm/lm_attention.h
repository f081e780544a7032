// Causal softmax attention of one (sequence, head), forward and backward, on the trainer's
// [tokens, 3*n_embd] Q|K|V rows, as small GEMMs on the calling thread (float: the project's
// SGEMM; double: the plain reference loops the gradient checks use).
#pragma once

#include <cstdint>

namespace llama_sae {
namespace lm {

/// One (sequence, head) of a batch.
///   qkv:  row t of the sequence at qkv + t * ld_qkv: q at [0, d), k at [d, 2d), v at [2d, 3d);
///         this head's slice starts at column h * hd of each part (q and k after RoPE).
///   prob: [len, len] softmax probabilities (row t, columns 0..t; the rest untouched).
///   out:  row t at out + t * ld_out, hd values (this head's slice of the attention output).
template <class T>
struct HeadView {
    const T* qkv;
    int64_t ld_qkv;
    int64_t d;      // n_embd: offset between the q, k and v parts of a row
    int64_t col;    // h * hd
    int64_t hd;
    int64_t len;
    T scale;        // 1 / sqrt(hd)
};

/// prob = softmax(scale * q k^T) (causal), out = prob . v.
template <class T>
void attention_forward(const HeadView<T>& v, T* prob, T* out, int64_t ld_out);

/// Given dout (row t at dout + t * ld_out), writes this head's slices of dqkv (same layout as
/// qkv): dq, dk (both w.r.t. the RoPE'd q, k) and dv.
template <class T>
void attention_backward(const HeadView<T>& v, const T* prob, const T* dout, int64_t ld_out, T* dqkv);

}  // namespace lm
}  // namespace llama_sae
