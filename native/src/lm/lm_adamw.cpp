#include "lm_adamw.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace llama_sae {
namespace lm {

double adamw_step(float* w, float* g, float* m, float* v, const LmLayout& layout, const AdamWParams& p, ThreadPool* pool) {
    const auto& tensors = layout.tensors();
    const int64_t n_t = static_cast<int64_t>(tensors.size());
    // global norm: one partial sum per tensor (double), added in tensor order
    std::vector<double> ss(static_cast<size_t>(n_t), 0.0);
    parallel_for(pool, n_t, [&](int64_t t, int) {
        const TensorSlot& s = tensors[static_cast<size_t>(t)];
        double acc = 0;
        for (int64_t i = 0; i < s.size(); ++i) acc += static_cast<double>(g[s.offset + i]) * g[s.offset + i];
        ss[static_cast<size_t>(t)] = acc;
    });
    double total = 0;
    for (double x : ss) total += x;
    const double norm = std::sqrt(total);
    if (!std::isfinite(norm)) return norm;  // diverged: leave weights and moments untouched
    const float clip = (p.clip_norm > 0 && norm > p.clip_norm) ? static_cast<float>(p.clip_norm / norm) : 1.0f;
    const double bc1 = 1.0 - std::pow(static_cast<double>(p.beta1), static_cast<double>(p.step));
    const double bc2 = 1.0 - std::pow(static_cast<double>(p.beta2), static_cast<double>(p.step));
    const float step_size = static_cast<float>(p.lr / bc1);
    const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
    parallel_for(pool, n_t, [&](int64_t t, int) {
        const TensorSlot& s = tensors[static_cast<size_t>(t)];
        const float decay = s.is_matrix() ? 1.0f - p.lr * p.weight_decay : 1.0f;
        for (int64_t i = s.offset; i < s.offset + s.size(); ++i) {
            const float gi = g[i] * clip;
            g[i] = gi;
            m[i] = p.beta1 * m[i] + (1.0f - p.beta1) * gi;
            v[i] = p.beta2 * v[i] + (1.0f - p.beta2) * gi * gi;
            // w <- w * (1 - lr * wd) - lr * m_hat / (sqrt(v_hat) + eps)
            w[i] = w[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + p.eps);
        }
    });
    return norm;
}

}  // namespace lm
}  // namespace llama_sae
