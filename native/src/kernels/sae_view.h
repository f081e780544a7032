// Non-owning view of one SAE's weights in the canonical in-memory layout (see contracts):
// W_enc [F, d] latent-major (row f = encoder direction of latent f), b_enc [F] with any
// pre-encoder bias already folded in, W_dec [F, d] latent-major, b_dec [d], threshold [F]
// (JumpReLU only, else may be null). All float32, row-major, rows contiguous.
#pragma once

#include <cstdint>

#include "llama_sae_kinds.h"

namespace llama_sae {

struct SaeView {
    int32_t d;                 // residual width
    int32_t F;                 // number of latents
    const float* W_enc;        // [F, d]
    const float* b_enc;        // [F]
    const float* W_dec;        // [F, d]
    const float* b_dec;        // [d]
    const float* threshold;    // [F] or null (needed by Activation::JumpRelu)
};

/// How pre-activations pre[f] = b_enc[f] + dot(W_enc[f], x) become a row's k outputs
/// (numbered by llama_sae_kinds.h, the one definition shared with the C API and the CUDA kernels).
enum class Activation : int32_t {
    TopKRelu = LLAMA_SAE_ACT_TOPK_RELU,  // k largest pre; value max(pre, 0); always k entries
    TopKAbs = LLAMA_SAE_ACT_TOPK_ABS,    // k largest |pre|; value pre (sign kept); always k entries
    JumpRelu = LLAMA_SAE_ACT_JUMPRELU,   // active iff pre > threshold[f]; k largest active pre; pad (-1, 0)
    Relu = LLAMA_SAE_ACT_RELU,           // active iff pre > 0; k largest active pre; pad (-1, 0)
};

}  // namespace llama_sae
