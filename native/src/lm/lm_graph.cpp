#include "lm_graph.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lm_attention.h"
#include "lm_math.h"

namespace llama_sae {
namespace lm {

namespace {

constexpr int64_t kRowsPerTask = 32;

template <class F>
void for_rows(ThreadPool* pool, int64_t n, F&& fn) {
    const int64_t tasks = (n + kRowsPerTask - 1) / kRowsPerTask;
    parallel_for(pool, tasks, [&](int64_t t, int) {
        const int64_t r1 = std::min(n, (t + 1) * kRowsPerTask);
        for (int64_t r = t * kRowsPerTask; r < r1; ++r) fn(r);
    });
}

template <class T>
T exp_t(T x) { return std::exp(x); }

/// y = x * r * g with r = 1 / sqrt(mean(x^2) + eps), one row (ggml_rms_norm then ggml_mul;
/// the sum of squares in double as ggml does).
template <class T>
void rms_row(const T* x, const T* g, int64_t d, float eps, T* y, T* r_out) {
    double ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    const T r = static_cast<T>(1.0) / std::sqrt(static_cast<T>(ss / static_cast<double>(d)) + static_cast<T>(eps));
    for (int64_t i = 0; i < d; ++i) y[i] = (x[i] * r) * g[i];
    *r_out = r;
}

/// Backward of rms_row: dx += r * (dy*g) - x * r^3 / d * sum_j(dy_j g_j x_j).
template <class T>
void rms_row_backward(const T* x, T r, const T* g, const T* dy, int64_t d, T* dx) {
    T dot = 0;
    for (int64_t i = 0; i < d; ++i) dot += dy[i] * g[i] * x[i];
    const T c = dot * r * r * r / static_cast<T>(d);
    for (int64_t i = 0; i < d; ++i) dx[i] += r * dy[i] * g[i] - x[i] * c;
}

/// dg[i] += sum_n dy[n,i] * x[n,i] * r[n], columns split over tasks, rows summed in order.
template <class T>
void rms_gain_grad(const T* x, const T* r, const T* dy, int64_t n, int64_t d, T* dg, ThreadPool* pool) {
    constexpr int64_t kCols = 16;
    parallel_for(pool, (d + kCols - 1) / kCols, [&](int64_t t, int) {
        const int64_t c0 = t * kCols, c1 = std::min(d, c0 + kCols);
        for (int64_t row = 0; row < n; ++row)
            for (int64_t i = c0; i < c1; ++i) dg[i] += dy[row * d + i] * x[row * d + i] * r[row];
    });
}

/// RoPE, llama.cpp's NORM mode: pairs (2i, 2i+1) of each head rotated by pos * base^(-2i/hd).
/// sign = -1 applies the inverse rotation (the backward pass).
template <class T>
void rope_row(T* x, int64_t n_head, int64_t hd, const T* cs, const T* sn, T sign) {
    for (int64_t h = 0; h < n_head; ++h) {
        T* v = x + h * hd;
        for (int64_t i = 0; i < hd / 2; ++i) {
            const T c = cs[i], s = sign * sn[i];
            const T x0 = v[2 * i], x1 = v[2 * i + 1];
            v[2 * i] = x0 * c - x1 * s;
            v[2 * i + 1] = x0 * s + x1 * c;
        }
    }
}

template <class T>
T sigmoid(T x) { return static_cast<T>(1) / (static_cast<T>(1) + exp_t(-x)); }

}  // namespace

std::string validate_batch(const LmConfig& c, const Batch& b) {
    if (!b.tokens || !b.offsets) return "tokens/offsets: expected non-null arrays";
    if (b.n_seq < 1) return "n_seq: expected >= 1 but found " + std::to_string(b.n_seq);
    if (b.offsets[0] != 0) return "offsets[0]: expected 0 but found " + std::to_string(b.offsets[0]);
    for (int32_t s = 0; s < b.n_seq; ++s) {
        const int64_t len = static_cast<int64_t>(b.offsets[s + 1]) - b.offsets[s];
        if (len < 1 || len > c.n_ctx) {
            return "sequence " + std::to_string(s) + ": expected 1.." + std::to_string(c.n_ctx) + " tokens but found " +
                   std::to_string(len);
        }
    }
    for (int64_t n = 0; n < b.n_tokens(); ++n) {
        if (b.tokens[n] < 0 || b.tokens[n] >= c.n_vocab) {
            return "token " + std::to_string(n) + ": expected an id in [0, " + std::to_string(c.n_vocab) + ") but found " +
                   std::to_string(b.tokens[n]);
        }
    }
    return "";
}

template <class T>
LmGraph<T>::LmGraph(const LmConfig& config, ThreadPool* pool) : c_(config), layout_(config), pool_(pool) {
    const int64_t hd = c_.head_dim();
    rope_cos_.resize(static_cast<size_t>(c_.n_ctx * hd / 2));
    rope_sin_.resize(rope_cos_.size());
    for (int64_t p = 0; p < c_.n_ctx; ++p) {
        for (int64_t i = 0; i < hd / 2; ++i) {
            const double theta = static_cast<double>(p) * std::pow(static_cast<double>(c_.rope_freq_base), -2.0 * i / hd);
            rope_cos_[p * hd / 2 + i] = static_cast<T>(std::cos(theta));
            rope_sin_[p * hd / 2 + i] = static_cast<T>(std::sin(theta));
        }
    }
    cache_.resize(static_cast<size_t>(c_.n_layer));
}

template <class T>
void LmGraph<T>::prepare(const Batch& b) {
    n_ = b.n_tokens();
    const int64_t d = c_.n_embd, ff = c_.n_ff, H = c_.n_head;
    pos_.resize(static_cast<size_t>(n_));
    att_off_.resize(static_cast<size_t>(b.n_seq));
    att_size_ = 0;
    for (int32_t s = 0; s < b.n_seq; ++s) {
        const int64_t len = b.offsets[s + 1] - b.offsets[s];
        for (int64_t t = 0; t < len; ++t) pos_[static_cast<size_t>(b.offsets[s] + t)] = static_cast<int32_t>(t);
        att_off_[static_cast<size_t>(s)] = att_size_;
        att_size_ += H * len * len;
    }
    for (auto& L : cache_) {
        L.x_in.resize(static_cast<size_t>(n_ * d));
        L.r1.resize(static_cast<size_t>(n_));
        L.xn1.resize(static_cast<size_t>(n_ * d));
        L.qkv.resize(static_cast<size_t>(n_ * 3 * d));
        L.prob.assign(static_cast<size_t>(att_size_), T(0));
        L.ao.resize(static_cast<size_t>(n_ * d));
        L.x_mid.resize(static_cast<size_t>(n_ * d));
        L.r2.resize(static_cast<size_t>(n_));
        L.xn2.resize(static_cast<size_t>(n_ * d));
        L.gu.resize(static_cast<size_t>(n_ * 2 * ff));
        L.h.resize(static_cast<size_t>(n_ * ff));
    }
    x_fin_.resize(static_cast<size_t>(n_ * d));
    rf_.resize(static_cast<size_t>(n_));
    xnf_.resize(static_cast<size_t>(n_ * d));
}

template <class T>
void LmGraph<T>::forward(const T* P, const Batch& b) {
    const int64_t d = c_.n_embd, ff = c_.n_ff, H = c_.n_head, hd = c_.head_dim(), V = c_.n_vocab;
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(hd)));
    // inp_embd: rows of token_embd (LLaMA does not scale them)
    T* x0 = cache_[0].x_in.data();
    for_rows(pool_, n_, [&](int64_t n) {
        const T* e = P + layout_.tok_embd() + static_cast<int64_t>(b.tokens[n]) * d;
        std::copy(e, e + d, x0 + n * d);
    });
    for (int l = 0; l < c_.n_layer; ++l) {
        LayerCache& L = cache_[static_cast<size_t>(l)];
        const LayerOffsets& o = layout_.layer(l);
        // attn_norm
        for_rows(pool_, n_, [&](int64_t n) { rms_row(&L.x_in[n * d], P + o.attn_norm, d, c_.rms_eps, &L.xn1[n * d], &L.r1[n]); });
        // Q, K, V in one GEMM: qkv [N, 3d] = xn1 . [Wq; Wk; Wv]^T
        gemm_abt(n_, 3 * d, d, L.xn1.data(), d, P + o.wqkv, d, L.qkv.data(), 3 * d, pool_);
        // RoPE on Q and K at each token's position
        for_rows(pool_, n_, [&](int64_t n) {
            const T* cs = &rope_cos_[pos_[n] * hd / 2];
            const T* sn = &rope_sin_[pos_[n] * hd / 2];
            rope_row(&L.qkv[n * 3 * d], H, hd, cs, sn, T(1));
            rope_row(&L.qkv[n * 3 * d + d], H, hd, cs, sn, T(1));
        });
        // causal attention per (sequence, head): prob = softmax(scale * q.k), ao = prob . v
        parallel_for(pool_, static_cast<int64_t>(b.n_seq) * H, [&](int64_t task, int) {
            const int64_t s = task / H, h = task % H;
            const int64_t base = b.offsets[s], len = b.offsets[s + 1] - b.offsets[s];
            const HeadView<T> view{&L.qkv[base * 3 * d], 3 * d, d, h * hd, hd, len, scale};
            attention_forward(view, &L.prob[att_off_[s] + h * len * len], &L.ao[base * d + h * hd], d);
        });
        // attn_output, first residual: x_mid = x_in + ao . Wo^T
        gemm_abt(n_, d, d, L.ao.data(), d, P + o.wo, d, L.x_mid.data(), d, pool_);
        for_rows(pool_, n_, [&](int64_t n) {
            for (int64_t i = 0; i < d; ++i) L.x_mid[n * d + i] += L.x_in[n * d + i];
        });
        // ffn_norm, gate and up in one GEMM: gu [N, 2ff] = xn2 . [Wgate; Wup]^T, h = silu(gate) * up
        for_rows(pool_, n_, [&](int64_t n) { rms_row(&L.x_mid[n * d], P + o.ffn_norm, d, c_.rms_eps, &L.xn2[n * d], &L.r2[n]); });
        gemm_abt(n_, 2 * ff, d, L.xn2.data(), d, P + o.wgate_up, d, L.gu.data(), 2 * ff, pool_);
        for_rows(pool_, n_, [&](int64_t n) {
            const T* g = &L.gu[n * 2 * ff];
            for (int64_t i = 0; i < ff; ++i) L.h[n * ff + i] = g[i] * sigmoid(g[i]) * g[ff + i];
        });
        // ffn_down, second residual: x_out = x_mid + h . Wdown^T
        T* x_out = l + 1 < c_.n_layer ? cache_[static_cast<size_t>(l) + 1].x_in.data() : x_fin_.data();
        gemm_abt(n_, d, ff, L.h.data(), ff, P + o.wdown, ff, x_out, d, pool_);
        for_rows(pool_, n_, [&](int64_t n) {
            for (int64_t i = 0; i < d; ++i) x_out[n * d + i] += L.x_mid[n * d + i];
        });
    }
    // result_norm, then result_output on the rows whose next token is scored
    for_rows(pool_, n_, [&](int64_t n) { rms_row(&x_fin_[n * d], P + layout_.output_norm(), d, c_.rms_eps, &xnf_[n * d], &rf_[n]); });
    const int64_t n_out = static_cast<int64_t>(out_rows_.size());
    out_in_.resize(static_cast<size_t>(n_out * d));
    logits_.resize(static_cast<size_t>(n_out * V));
    for_rows(pool_, n_out, [&](int64_t r) {
        std::copy(&xnf_[out_rows_[r] * d], &xnf_[out_rows_[r] * d] + d, &out_in_[r * d]);
    });
    gemm_abt(n_out, V, d, out_in_.data(), d, P + layout_.output(), d, logits_.data(), V, pool_);
}

template <class T>
void LmGraph<T>::backward(const T* P, const Batch& b, T* G) {
    const int64_t d = c_.n_embd, ff = c_.n_ff, H = c_.n_head, hd = c_.head_dim(), V = c_.n_vocab;
    const int64_t n_out = static_cast<int64_t>(out_rows_.size());
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(hd)));
    std::fill(G, G + layout_.total(), T(0));
    dx_.assign(static_cast<size_t>(n_ * d), T(0));
    dxn_.resize(static_cast<size_t>(n_ * d));

    // output projection: dW_out = dlogits^T . out_in, d out_in = dlogits . W_out
    dout_in_.resize(static_cast<size_t>(n_out * d));
    linear_backward(dlogits_.data(), out_in_.data(), P + layout_.output(), n_out, V, d, G + layout_.output(), dout_in_.data());
    // result_norm: only scored rows carry a gradient
    std::fill(dxn_.begin(), dxn_.end(), T(0));
    for (int64_t r = 0; r < n_out; ++r)
        for (int64_t i = 0; i < d; ++i) dxn_[out_rows_[r] * d + i] += dout_in_[r * d + i];
    for_rows(pool_, n_, [&](int64_t n) {
        rms_row_backward(&x_fin_[n * d], rf_[n], P + layout_.output_norm(), &dxn_[n * d], d, &dx_[n * d]);
    });
    rms_gain_grad(x_fin_.data(), rf_.data(), dxn_.data(), n_, d, G + layout_.output_norm(), pool_);

    dh_.resize(static_cast<size_t>(n_ * ff));
    dgu_.resize(static_cast<size_t>(n_ * 2 * ff));
    dqkv_.resize(static_cast<size_t>(n_ * 3 * d));
    dao_.resize(static_cast<size_t>(n_ * d));
    for (int l = c_.n_layer - 1; l >= 0; --l) {
        LayerCache& L = cache_[static_cast<size_t>(l)];
        const LayerOffsets& o = layout_.layer(l);
        // dx = d loss / d x_out. ffn_down: dWdown = dx^T . h, dh = dx . Wdown
        linear_backward(dx_.data(), L.h.data(), P + o.wdown, n_, d, ff, G + o.wdown, dh_.data());
        // h = silu(g) * u: du = dh * silu(g); dg = dh * u * sig(g) * (1 + g * (1 - sig(g)))
        for_rows(pool_, n_, [&](int64_t n) {
            const T* g = &L.gu[n * 2 * ff];
            T* dg = &dgu_[n * 2 * ff];
            for (int64_t i = 0; i < ff; ++i) {
                const T sg = sigmoid(g[i]);
                const T dhi = dh_[n * ff + i];
                dg[ff + i] = dhi * g[i] * sg;
                dg[i] = dhi * g[ff + i] * sg * (T(1) + g[i] * (T(1) - sg));
            }
        });
        // gate/up: dW = dgu^T . xn2, dxn2 = dgu . [Wgate; Wup]
        linear_backward(dgu_.data(), L.xn2.data(), P + o.wgate_up, n_, 2 * ff, d, G + o.wgate_up, dxn_.data());
        // ffn_norm: dx (now d loss / d x_mid) += rms backward; residual passes dx through
        for_rows(pool_, n_, [&](int64_t n) {
            rms_row_backward(&L.x_mid[n * d], L.r2[n], P + o.ffn_norm, &dxn_[n * d], d, &dx_[n * d]);
        });
        rms_gain_grad(L.x_mid.data(), L.r2.data(), dxn_.data(), n_, d, G + o.ffn_norm, pool_);
        // attn_output: dWo = dx^T . ao, dao = dx . Wo
        linear_backward(dx_.data(), L.ao.data(), P + o.wo, n_, d, d, G + o.wo, dao_.data());
        // attention backward (lm_attention.h): dq, dk w.r.t. the RoPE'd q, k, and dv
        parallel_for(pool_, static_cast<int64_t>(b.n_seq) * H, [&](int64_t task, int) {
            const int64_t s = task / H, h = task % H;
            const int64_t base = b.offsets[s], len = b.offsets[s + 1] - b.offsets[s];
            const HeadView<T> view{&L.qkv[base * 3 * d], 3 * d, d, h * hd, hd, len, scale};
            attention_backward(view, &L.prob[att_off_[s] + h * len * len], &dao_[base * d + h * hd], d, &dqkv_[base * 3 * d]);
        });
        // RoPE backward: the inverse rotation
        for_rows(pool_, n_, [&](int64_t n) {
            const T* cs = &rope_cos_[pos_[n] * hd / 2];
            const T* sn = &rope_sin_[pos_[n] * hd / 2];
            rope_row(&dqkv_[n * 3 * d], H, hd, cs, sn, T(-1));
            rope_row(&dqkv_[n * 3 * d + d], H, hd, cs, sn, T(-1));
        });
        // Q/K/V: dW = dqkv^T . xn1, dxn1 = dqkv . [Wq; Wk; Wv]
        linear_backward(dqkv_.data(), L.xn1.data(), P + o.wqkv, n_, 3 * d, d, G + o.wqkv, dxn_.data());
        // attn_norm: dx (now d loss / d x_in) += rms backward
        for_rows(pool_, n_, [&](int64_t n) {
            rms_row_backward(&L.x_in[n * d], L.r1[n], P + o.attn_norm, &dxn_[n * d], d, &dx_[n * d]);
        });
        rms_gain_grad(L.x_in.data(), L.r1.data(), dxn_.data(), n_, d, G + o.attn_norm, pool_);
    }
    // token_embd: rows gathered by token id, gradients added back in token order
    T* ge = G + layout_.tok_embd();
    for (int64_t n = 0; n < n_; ++n) {
        T* row = ge + static_cast<int64_t>(b.tokens[n]) * d;
        for (int64_t i = 0; i < d; ++i) row[i] += dx_[n * d + i];
    }
}

template <class T>
void LmGraph<T>::linear_backward(const T* dy, const T* x, const T* w, int64_t rows, int64_t out, int64_t in, T* dw, T* dx) {
    // dW [out, in] = dY^T . X over the rows, from the transposed activations (K-contiguous for the GEMM)
    const int64_t ld = transposed_stride(rows);
    at_.resize(static_cast<size_t>(std::max<int64_t>(static_cast<int64_t>(at_.size()), out * ld)));
    bt_.resize(static_cast<size_t>(std::max<int64_t>(static_cast<int64_t>(bt_.size()), in * ld)));
    wt_.resize(static_cast<size_t>(std::max<int64_t>(static_cast<int64_t>(wt_.size()), out * in)));
    transpose(dy, rows, out, out, at_.data(), ld, pool_);
    transpose(x, rows, in, in, bt_.data(), ld, pool_);
    weight_grad(out, in, rows, at_.data(), bt_.data(), ld, dw, partial_, pool_);
    // dX [rows, in] = dY . W = dY . (W^T)^T
    transpose(w, out, in, in, wt_.data(), out, pool_);
    gemm_abt(rows, in, out, dy, out, wt_.data(), out, dx, in, pool_);
}

template <class T>
double LmGraph<T>::loss(const T* params, const Batch& b, const float* w, T* grads, double* weight_sum) {
    prepare(b);
    out_rows_.clear();
    out_target_.clear();
    out_weight_.clear();
    double wsum = 0;
    for (int32_t s = 0; s < b.n_seq; ++s) {
        for (int64_t n = b.offsets[s] + 1; n < b.offsets[s + 1]; ++n) {
            if (w[n] > 0) {
                out_rows_.push_back(n - 1);  // the row before predicts token n
                out_target_.push_back(b.tokens[n]);
                out_weight_.push_back(static_cast<T>(w[n]));
                wsum += w[n];
            }
        }
    }
    if (weight_sum) *weight_sum = wsum;
    if (out_rows_.empty()) {
        if (grads) std::fill(grads, grads + layout_.total(), T(0));
        return 0.0;
    }
    forward(params, b);
    // cross-entropy per scored row, and its gradient (softmax - onehot) * w / sum w
    const int64_t V = c_.n_vocab, n_out = static_cast<int64_t>(out_rows_.size());
    std::vector<double> row_loss(static_cast<size_t>(n_out));
    dlogits_.resize(static_cast<size_t>(n_out * V));
    const T inv_w = static_cast<T>(1.0 / wsum);
    for_rows(pool_, n_out, [&](int64_t r) {
        const T* z = &logits_[r * V];
        T mx = z[0];
        for (int64_t v = 1; v < V; ++v) mx = std::max(mx, z[v]);
        double sum = 0;
        for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(z[v] - mx));
        const double lse = static_cast<double>(mx) + std::log(sum);
        row_loss[r] = static_cast<double>(out_weight_[r]) * (lse - static_cast<double>(z[out_target_[r]]));
        T* dz = &dlogits_[r * V];
        const T scale = out_weight_[r] * inv_w;
        for (int64_t v = 0; v < V; ++v) dz[v] = static_cast<T>(std::exp(static_cast<double>(z[v]) - lse)) * scale;
        dz[out_target_[r]] -= scale;
    });
    double total = 0;
    for (double x : row_loss) total += x;
    if (grads) backward(params, b, grads);
    return total / wsum;
}

template <class T>
void LmGraph<T>::logits(const T* params, const Batch& b, T* out) {
    prepare(b);
    out_rows_.resize(static_cast<size_t>(n_));
    for (int64_t n = 0; n < n_; ++n) out_rows_[static_cast<size_t>(n)] = n;
    forward(params, b);
    std::copy(logits_.begin(), logits_.end(), out);
}

template class LmGraph<float>;
template class LmGraph<double>;

}  // namespace lm
}  // namespace llama_sae
