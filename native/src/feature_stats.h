// Feature statistics of one (captured layer, row block) over one run: the native half of
// io.llamasae.analysis.FeatureStatistics, with the same definitions so that Java merges them bit for
// bit (any split of a dataset into runs, batches or Spark partitions gives the same totals):
//   an entry (index f, value v) of a row's code is active iff f >= 0 and v != 0;
//   count[f] = active rows; sum_abs[f] = sum |v| and sum[f] = sum v as exact 128-bit fixed point
//   (exact_sum.h); max_abs[f] = max |v|; rows = rows seen (active or not);
//   top[f] = the top_n active entries by |v| descending, then prompt ascending, then position
//   ascending (a total order, so the kept set does not depend on the order rows arrive in);
//   histogram[f] = counts of the active values per bin of io.llamasae.analysis.ActivationHistogram
//   (|v| in 16 bins per octave over [2^-20, 2^20), read from the float's bits, clamped at both ends;
//   negative values counted apart), exported as keys bin (v > 0) or kHistogramBins + bin (v < 0).
// Only features touched since the last reset are stored in the export, so reset and export cost
// O(touched) per run, not O(F): a run's statistics are a delta that Java merges and forgets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llama_sae {

// ActivationHistogram's bins (one definition, tested against the Java class).
constexpr int32_t kHistogramBins = 40 * 16;
int32_t histogram_bin(float v);

class FeatureStatsAcc {
public:
    // Empties the accumulator for n_latents features keeping top_n entries each (top_n may be 0)
    // and, when full, the histograms.
    void reset(int32_t n_latents, int32_t top_n, bool histograms);

    // Adds one row's code (idx/val [k]) seen at (prompt, position). Moments are skipped when
    // moments_elsewhere (the CUDA backend accumulates them on the device and merges them with
    // merge_dense). Returns false with *error set when a value is not finite or too large.
    bool add_row(const int32_t * idx, const float * val, int32_t k, int32_t prompt, int32_t position, bool moments_elsewhere,
                 std::string * error);

    // Adds dense per-feature moments (count [F], sum_abs/sum [2F] fixed point, max_abs [F]).
    void merge_dense(const int64_t * count, const int64_t * sum_abs, const int64_t * sum, const float * max_abs);

    // Builds the export arrays (features touched, ascending); pointers stay valid until the next reset.
    void finish();

    int64_t rows = 0;
    int32_t n_latents = 0;
    int32_t top_n = 0;
    bool histograms = false;
    // export (after finish): one entry per touched feature
    std::vector<int32_t> out_feature;
    std::vector<int64_t> out_count, out_sum_abs, out_sum;  // sums: [2 n] (hi, lo)
    std::vector<float> out_max_abs;
    std::vector<int32_t> out_top_offset;                   // [n + 1]
    std::vector<float> out_top_value;
    std::vector<int32_t> out_top_prompt, out_top_position;
    std::vector<int32_t> out_hist_offset;                  // [n + 1]
    std::vector<int32_t> out_hist_key;
    std::vector<int64_t> out_hist_count;

private:
    struct Top {
        float abs, value;
        int32_t prompt, position;
    };
    void touch(int32_t f);
    void offer(int32_t f, const Top & e);

    std::vector<int64_t> count_, sum_abs_, sum_;
    std::vector<float> max_abs_;
    std::vector<std::vector<Top>> heaps_;  // per feature: a min-heap (root = weakest kept entry)
    std::vector<std::vector<uint16_t>> hist_keys_;  // per feature: the run's histogram keys, counted at finish
    std::vector<int32_t> touched_;
    std::vector<uint8_t> is_touched_;
};

// Reconstruction sums of one (captured layer, row block) over one run, for the SAE metrics of
// io.llamasae.sae.SaeMetrics (explained variance, MSE, mean cosine; L0 and dead latents come from
// the feature counts). Every per-element quantity is rounded once to fixed point and summed
// exactly, so the sums do not depend on how the rows were split:
//   sse = sum over rows and dims of (x - x_hat)^2, sum_sq = sum of x^2, cos = sum over rows of
//   cos(x, x_hat) (1 when both rows are zero, 0 when one is), sum_x[i] = sum of x_i.
// sums layout: [2 * (3 + d)] = (hi, lo) pairs of sse, sum_sq, cos, then sum_x[0 .. d).
struct ReconSums {
    int64_t rows = 0;
    int32_t d = 0;
    std::vector<int64_t> sums;

    void reset(int32_t n_embd);
    // Adds one row x [d] and its reconstruction x_hat [d]; false (with *error) on a non-finite value.
    bool add_row(const float * x, const float * x_hat, std::string * error);
};

}  // namespace llama_sae
