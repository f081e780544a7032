#include "lm_layout.h"

namespace llama_sae {
namespace lm {

namespace {
std::string expected(const char* field, const std::string& what, long long found) {
    return std::string(field) + ": expected " + what + " but found " + std::to_string(found);
}
}  // namespace

std::string LmConfig::validate() const {
    if (n_vocab < 3) return expected("n_vocab", ">= 3", n_vocab);
    if (n_embd < 2) return expected("n_embd", ">= 2", n_embd);
    if (n_layer < 1) return expected("n_layer", ">= 1", n_layer);
    if (n_head < 1 || n_embd % n_head != 0) return expected("n_head", "a divisor of n_embd=" + std::to_string(n_embd), n_head);
    if (head_dim() % 2 != 0) return expected("n_embd/n_head", "an even head dimension (RoPE rotates pairs)", head_dim());
    if (n_ff < 1) return expected("n_ff", ">= 1", n_ff);
    if (n_ctx < 2) return expected("n_ctx", ">= 2", n_ctx);
    if (!(rope_freq_base > 0)) return "rope_freq_base: expected > 0";
    if (!(rms_eps > 0)) return "rms_eps: expected > 0";
    return "";
}

LmLayout::LmLayout(const LmConfig& c) {
    const int64_t d = c.n_embd, ff = c.n_ff, v = c.n_vocab;
    tok_embd_ = add("token_embd.weight", v, d);
    for (int i = 0; i < c.n_layer; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        LayerOffsets l{};
        l.attn_norm = add(p + "attn_norm.weight", 1, d);
        l.wqkv = add(p + "attn_q.weight", d, d);
        add(p + "attn_k.weight", d, d);
        add(p + "attn_v.weight", d, d);
        l.wo = add(p + "attn_output.weight", d, d);
        l.ffn_norm = add(p + "ffn_norm.weight", 1, d);
        l.wgate_up = add(p + "ffn_gate.weight", ff, d);
        add(p + "ffn_up.weight", ff, d);
        l.wdown = add(p + "ffn_down.weight", d, ff);
        layers_.push_back(l);
    }
    output_norm_ = add("output_norm.weight", 1, d);
    output_ = add("output.weight", v, d);
}

int64_t LmLayout::add(const std::string& name, int64_t rows, int64_t cols) {
    const int64_t off = total_;
    tensors_.push_back(TensorSlot{name, off, rows, cols});
    total_ += rows * cols;
    return off;
}

}  // namespace lm
}  // namespace llama_sae
