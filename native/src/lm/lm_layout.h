// Shape of the small LLaMA the trainer learns, and where each weight tensor lives in the flat
// parameter vector. This is the one definition of the layout: the C API hands it to Java
// (llama_sae_lm_get_tensor), which initializes the weights and writes the GGUF from it.
//
// Tensors, in this order (GGUF names; a matrix [rows, cols] is row-major, cols contiguous,
// which is ggml's ne = {cols, rows}: y = W x with W [out, in]):
//   token_embd.weight          [n_vocab, n_embd]
//   per block i:
//     blk.i.attn_norm.weight   [n_embd]
//     blk.i.attn_q.weight      [n_embd, n_embd]   (q, k, v contiguous: one [3*n_embd, n_embd] GEMM)
//     blk.i.attn_k.weight      [n_embd, n_embd]
//     blk.i.attn_v.weight      [n_embd, n_embd]
//     blk.i.attn_output.weight [n_embd, n_embd]
//     blk.i.ffn_norm.weight    [n_embd]
//     blk.i.ffn_gate.weight    [n_ff, n_embd]     (gate, up contiguous: one [2*n_ff, n_embd] GEMM)
//     blk.i.ffn_up.weight      [n_ff, n_embd]
//     blk.i.ffn_down.weight    [n_embd, n_ff]
//   output_norm.weight         [n_embd]
//   output.weight              [n_vocab, n_embd]
// Multi-head attention without grouped KV heads (n_head_kv = n_head); RoPE as llama.cpp's
// LLAMA_ROPE_TYPE_NORM (adjacent pairs, rotary dimension = head dimension).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llama_sae {
namespace lm {

struct LmConfig {
    int32_t n_vocab = 0;
    int32_t n_embd = 0;
    int32_t n_layer = 0;
    int32_t n_head = 0;
    int32_t n_ff = 0;
    int32_t n_ctx = 0;          // longest sequence
    float rope_freq_base = 10000.0f;
    float rms_eps = 1e-5f;

    int32_t head_dim() const { return n_embd / n_head; }
    /// "" when valid, else what is wrong ("n_head: expected a divisor of n_embd=64 but found 5").
    std::string validate() const;
};

struct TensorSlot {
    std::string name;
    int64_t offset;  // first element in the flat vector
    int64_t rows;    // 1 for vectors
    int64_t cols;
    bool is_matrix() const { return rows > 1; }
    int64_t size() const { return rows * cols; }
};

struct LayerOffsets {
    int64_t attn_norm, wqkv, wo, ffn_norm, wgate_up, wdown;
};

class LmLayout {
public:
    explicit LmLayout(const LmConfig& c);
    const std::vector<TensorSlot>& tensors() const { return tensors_; }
    int64_t total() const { return total_; }
    int64_t tok_embd() const { return tok_embd_; }
    int64_t output_norm() const { return output_norm_; }
    int64_t output() const { return output_; }
    const LayerOffsets& layer(int i) const { return layers_[static_cast<size_t>(i)]; }

private:
    int64_t add(const std::string& name, int64_t rows, int64_t cols);
    std::vector<TensorSlot> tensors_;
    std::vector<LayerOffsets> layers_;
    int64_t total_ = 0, tok_embd_ = 0, output_norm_ = 0, output_ = 0;
};

}  // namespace lm
}  // namespace llama_sae
