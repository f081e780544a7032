#include "feature_stats.h"

#include "exact_sum.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llama_sae {

namespace {

// Residual values must keep their squares inside the exact sums' range.
constexpr double kMaxResidual = 0x1p32;

// The top-N order of FeatureStatistics: |v| descending, then prompt, then position ascending.
struct Better {
    template <class T>
    bool operator()(const T & a, const T & b) const {
        if (a.abs != b.abs) return a.abs > b.abs;
        if (a.prompt != b.prompt) return a.prompt < b.prompt;
        return a.position < b.position;
    }
};

}  // namespace

int32_t histogram_bin(float v) {
    // the exponent and the top 4 mantissa bits of |v|, from 2^-20 on (ActivationHistogram.bin)
    uint32_t bits;
    const float a = std::fabs(v);
    std::memcpy(&bits, &a, sizeof bits);
    const int32_t key = (int32_t) (bits >> (23 - 4)) - ((127 - 20) << 4);
    return std::max(0, std::min(kHistogramBins - 1, key));
}

void FeatureStatsAcc::reset(int32_t n, int32_t top, bool hist) {
    histograms = hist;
    if (n != n_latents) {
        n_latents = n;
        count_.assign(n, 0);
        sum_abs_.assign(2 * (size_t) n, 0);
        sum_.assign(2 * (size_t) n, 0);
        max_abs_.assign(n, 0.0f);
        heaps_.assign(n, {});
        hist_keys_.assign(n, {});
        is_touched_.assign(n, 0);
        touched_.clear();
    } else {
        for (int32_t f : touched_) {
            count_[f] = 0;
            sum_abs_[2 * f] = sum_abs_[2 * f + 1] = 0;
            sum_[2 * f] = sum_[2 * f + 1] = 0;
            max_abs_[f] = 0.0f;
            heaps_[f].clear();
            hist_keys_[f].clear();
            is_touched_[f] = 0;
        }
        touched_.clear();
    }
    top_n = top;
    rows = 0;
}

void FeatureStatsAcc::touch(int32_t f) {
    if (!is_touched_[f]) {
        is_touched_[f] = 1;
        touched_.push_back(f);
    }
}

void FeatureStatsAcc::offer(int32_t f, const Top & e) {
    std::vector<Top> & h = heaps_[f];
    // std heaps keep the "largest" element at the root; with Better as "less", the root is the
    // weakest kept entry, which a newcomer must beat.
    if ((int32_t) h.size() < top_n) {
        h.push_back(e);
        std::push_heap(h.begin(), h.end(), Better{});
    } else if (Better{}(e, h.front())) {
        std::pop_heap(h.begin(), h.end(), Better{});
        h.back() = e;
        std::push_heap(h.begin(), h.end(), Better{});
    }
}

bool FeatureStatsAcc::add_row(const int32_t * idx, const float * val, int32_t k, int32_t prompt, int32_t position,
                              bool moments_elsewhere, std::string * error) {
    for (int32_t j = 0; j < k; ++j) {
        const int32_t f = idx[j];
        const float v = val[j];
        if (f < 0 || v == 0.0f) continue;
        if (f >= n_latents || !std::isfinite(v) || std::fabs((double) v) >= kExactSumMaxAbs) {
            *error = "statistics: code entry (" + std::to_string(f) + ", " + std::to_string(v) + ") is outside [0, " +
                     std::to_string(n_latents) + ") x (finite, |v| < 2^64)";
            return false;
        }
        const float a = std::fabs(v);
        touch(f);
        if (!moments_elsewhere) {
            count_[f]++;
            add_value(&sum_abs_[2 * (size_t) f], a);
            add_value(&sum_[2 * (size_t) f], v);
            if (a > max_abs_[f]) max_abs_[f] = a;
        }
        if (top_n > 0) offer(f, Top{a, v, prompt, position});
        if (histograms) hist_keys_[f].push_back((uint16_t) (histogram_bin(v) + (v < 0.0f ? kHistogramBins : 0)));
    }
    rows++;
    return true;
}

void FeatureStatsAcc::merge_dense(const int64_t * count, const int64_t * sum_abs, const int64_t * sum, const float * max_abs) {
    for (int32_t f = 0; f < n_latents; ++f) {
        if (count[f] == 0) continue;
        touch(f);
        count_[f] += count[f];
        add_fixed(&sum_abs_[2 * (size_t) f], Fixed128{sum_abs[2 * (size_t) f], (uint64_t) sum_abs[2 * (size_t) f + 1]});
        add_fixed(&sum_[2 * (size_t) f], Fixed128{sum[2 * (size_t) f], (uint64_t) sum[2 * (size_t) f + 1]});
        max_abs_[f] = std::max(max_abs_[f], max_abs[f]);
    }
}

void FeatureStatsAcc::finish() {
    std::sort(touched_.begin(), touched_.end());
    const size_t n = touched_.size();
    out_feature.assign(touched_.begin(), touched_.end());
    out_count.resize(n);
    out_sum_abs.resize(2 * n);
    out_sum.resize(2 * n);
    out_max_abs.resize(n);
    out_top_offset.assign(1, 0);
    out_top_value.clear();
    out_top_prompt.clear();
    out_top_position.clear();
    out_hist_offset.assign(1, 0);
    out_hist_key.clear();
    out_hist_count.clear();
    for (size_t i = 0; i < n; ++i) {
        const int32_t f = touched_[i];
        out_count[i] = count_[f];
        out_sum_abs[2 * i] = sum_abs_[2 * (size_t) f];
        out_sum_abs[2 * i + 1] = sum_abs_[2 * (size_t) f + 1];
        out_sum[2 * i] = sum_[2 * (size_t) f];
        out_sum[2 * i + 1] = sum_[2 * (size_t) f + 1];
        out_max_abs[i] = max_abs_[f];
        for (const Top & e : heaps_[f]) {
            out_top_value.push_back(e.value);
            out_top_prompt.push_back(e.prompt);
            out_top_position.push_back(e.position);
        }
        out_top_offset.push_back((int32_t) out_top_value.size());
        std::vector<uint16_t> & keys = hist_keys_[f];
        std::sort(keys.begin(), keys.end());
        for (size_t j = 0; j < keys.size();) {
            size_t e = j;
            while (e < keys.size() && keys[e] == keys[j]) ++e;
            out_hist_key.push_back(keys[j]);
            out_hist_count.push_back((int64_t) (e - j));
            j = e;
        }
        out_hist_offset.push_back((int32_t) out_hist_key.size());
    }
}

void ReconSums::reset(int32_t n_embd) {
    d = n_embd;
    rows = 0;
    sums.assign(2 * (3 + (size_t) n_embd), 0);
}

bool ReconSums::add_row(const float * x, const float * x_hat, std::string * error) {
    int64_t xx[2] = {0, 0}, hh[2] = {0, 0}, xh[2] = {0, 0};
    int64_t * sse = &sums[0];
    int64_t * sum_sq = &sums[2];
    int64_t * sum_x = &sums[6];
    for (int32_t i = 0; i < d; ++i) {
        const double xi = x[i], hi = x_hat[i];
        if (!(std::fabs(xi) < kMaxResidual) || !(std::fabs(hi) < kMaxResidual)) {
            *error = "metrics: residual or reconstruction value " + std::to_string(std::fabs(xi) < kMaxResidual ? hi : xi) +
                     " at dimension " + std::to_string(i) + " is not finite or exceeds 2^32";
            return false;
        }
        const double e = xi - hi;
        add_value(sse, e * e);
        const Fixed128 x2 = to_fixed(xi * xi);  // exact square of a float
        add_fixed(sum_sq, x2);
        add_fixed(xx, x2);
        add_value(hh, hi * hi);
        add_value(xh, xi * hi);
        add_value(&sum_x[2 * (size_t) i], xi);
    }
    const double a = fixed_to_double(xx), b = fixed_to_double(hh), c = fixed_to_double(xh);
    const double cosine = (a == 0.0 || b == 0.0) ? ((a == 0.0 && b == 0.0) ? 1.0 : 0.0) : c / std::sqrt(a * b);
    add_value(&sums[4], cosine);
    rows++;
    return true;
}

}  // namespace llama_sae
