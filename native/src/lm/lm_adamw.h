// One optimizer step of the trainer: global-norm gradient clipping, then AdamW (Loshchilov &
// Hutter 2019: decoupled weight decay, applied to matrices only, not to the RMSNorm gains).
#pragma once

#include <cstdint>

#include "lm_layout.h"
#include "thread_pool.h"

namespace llama_sae {
namespace lm {

struct AdamWParams {
    float lr = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.95f;
    float eps = 1e-8f;
    float weight_decay = 0.1f;  // decoupled: w -= lr * weight_decay * w (matrices only)
    float clip_norm = 1.0f;     // gradients scaled so their global L2 norm is <= clip_norm; 0 = off
    int64_t step = 1;           // 1-based step number (bias correction)
};

/// Clips g in place, updates m, v and w. Returns the global L2 norm of g before clipping
/// (summed in a fixed order: the result does not depend on the thread count). A non-finite norm
/// is returned without changing anything.
double adamw_step(float* w, float* g, float* m, float* v, const LmLayout& layout, const AdamWParams& p, ThreadPool* pool);

}  // namespace lm
}  // namespace llama_sae
