// encode() vs an independent double-precision reference (naive dot products, std::sort with the
// contract's comparator) for all four activations, odd shapes, K = 1 and K = F, many rows,
// forced exact ties, every SIMD level and pool size; poisoned outputs; invalid arguments.
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "check.h"
#include "simd_level.h"
#include "topk_encode.h"

using namespace llama_sae;

namespace {

const char* mode_name(Activation m) {
    switch (m) {
        case Activation::TopKRelu: return "topk-relu";
        case Activation::TopKAbs: return "topk-abs";
        case Activation::JumpRelu: return "jumprelu";
        case Activation::Relu: return "relu";
    }
    return "?";
}

struct Problem {
    int32_t d, F;
    int64_t n;
    std::vector<float> W, b, th, x;
    SaeView view() const { return SaeView{d, F, W.data(), b.data(), nullptr, nullptr, th.data()}; }
};

struct RefRow {
    std::vector<double> pre;  // [F]
    double tol;               // fp32 accumulation error bound for this row
};

RefRow reference_pre(const Problem& p, int64_t r) {
    RefRow out{std::vector<double>(static_cast<size_t>(p.F)), 0.0};
    double max_mag = 0.0;
    for (int32_t f = 0; f < p.F; ++f) {
        double s = p.b[static_cast<size_t>(f)], mag = std::fabs(s);
        for (int32_t i = 0; i < p.d; ++i) {
            const double t = double(p.W[static_cast<size_t>(f) * p.d + i]) * p.x[static_cast<size_t>(r * p.d + i)];
            s += t;
            mag += std::fabs(t);
        }
        out.pre[static_cast<size_t>(f)] = s;
        max_mag = std::max(max_mag, mag);
    }
    out.tol = 4e-7 * max_mag * std::sqrt(double(p.d) + 1.0) + 1e-30;
    return out;
}

double ref_key(Activation m, double pre) { return m == Activation::TopKAbs ? std::fabs(pre) : pre; }
double ref_value(Activation m, double pre) { return m == Activation::TopKRelu ? std::max(pre, 0.0) : pre; }
bool ref_eligible(Activation m, double pre, double th) {
    if (m == Activation::Relu) return pre > 0.0;
    if (m == Activation::JumpRelu) return pre > th;
    return true;
}

// Contract output in double: sorted by key desc, ties -> lower index; -1 padding.
std::vector<int32_t> reference_select(const Problem& p, Activation m, const RefRow& row, int32_t k) {
    std::vector<int32_t> cand;
    for (int32_t f = 0; f < p.F; ++f)
        if (ref_eligible(m, row.pre[static_cast<size_t>(f)], p.th[static_cast<size_t>(f)])) cand.push_back(f);
    std::sort(cand.begin(), cand.end(), [&](int32_t a, int32_t b) {
        const double ka = ref_key(m, row.pre[static_cast<size_t>(a)]), kb = ref_key(m, row.pre[static_cast<size_t>(b)]);
        return ka > kb || (ka == kb && a < b);
    });
    cand.resize(static_cast<size_t>(k), -1);
    return cand;
}

// Compares one encode output with the reference. exact_indices: data built so that fp32 and
// double agree exactly (forced ties), then indices must match exactly; otherwise slots may
// differ only between keys within the accumulation tolerance.
void check_output(const Problem& p, Activation m, int32_t k, const std::vector<int32_t>& idx,
                  const std::vector<float>& val, bool exact_indices, const char* what) {
    int printed_rows = 0;
    for (int64_t r = 0; r < p.n; ++r) {
        const RefRow row = reference_pre(p, r);
        const std::vector<int32_t> ref = reference_select(p, m, row, k);
        const int32_t* oi = idx.data() + r * k;
        const float* ov = val.data() + r * k;
        std::vector<char> seen(static_cast<size_t>(p.F), 0);
        bool row_ok = true;
        for (int32_t s = 0; s < k; ++s) {
            const int32_t g = oi[s], e = ref[static_cast<size_t>(s)];
            bool ok = g >= -1 && g < p.F && !std::isnan(ov[s]);
            if (ok && g >= 0) ok = !seen[static_cast<size_t>(g)]++;
            if (ok && exact_indices) ok = g == e;
            if (ok && g == -1) {
                // Padding: the reference must pad too, or the reference's entry must be a
                // borderline eligibility within tolerance.
                ok = ov[s] == 0.0f;
                if (ok && e >= 0) {
                    const double pe = row.pre[static_cast<size_t>(e)];
                    const double edge = m == Activation::Relu ? 0.0 : p.th[static_cast<size_t>(e)];
                    ok = pe - edge <= row.tol;
                }
            } else if (ok) {
                const double pg = row.pre[static_cast<size_t>(g)];
                ok = kt::close(ov[s], ref_value(m, pg), row.tol, 0.0);
                // an eligible latent (up to tolerance) ...
                if (ok && m == Activation::Relu) ok = pg > -row.tol;
                if (ok && m == Activation::JumpRelu) ok = pg > p.th[static_cast<size_t>(g)] - row.tol;
                // ... whose key matches the reference key of this slot (ties/near-ties only)
                if (ok && e >= 0)
                    ok = std::fabs(ref_key(m, pg) - ref_key(m, row.pre[static_cast<size_t>(e)])) <= 2 * row.tol;
                else if (ok)  // reference padded: ours must be borderline eligible
                    ok = (m == Activation::Relu ? pg : pg - p.th[static_cast<size_t>(g)]) <= row.tol;
            }
            if (!ok) row_ok = false;
        }
        KT_CHECK(row_ok, "%s %s d=%d F=%d n=%lld k=%d row %lld differs from the double reference", what,
                 mode_name(m), p.d, p.F, (long long)p.n, k, (long long)r);
        if (!row_ok && printed_rows++ < 2) {
            for (int32_t s = 0; s < std::min(k, 12); ++s) {
                const int32_t e = ref[static_cast<size_t>(s)];
                std::printf("   slot %d: got (%d, %.7g)  ref (%d, %.7g)\n", s, oi[s], ov[s], e,
                            e >= 0 ? ref_value(m, row.pre[static_cast<size_t>(e)]) : 0.0);
            }
        }
    }
}

Problem random_problem(int32_t d, int32_t F, int64_t n, kt::Rng& rng) {
    Problem p{d, F, n, rng.vec(static_cast<size_t>(F) * d, 1.0f), rng.vec(static_cast<size_t>(F), 0.5f),
              {}, rng.vec(static_cast<size_t>(n * d), 1.0f)};
    // Thresholds around the typical |pre| (~ sqrt(d)/3) so jumprelu keeps some, pads others.
    p.th = rng.vec(static_cast<size_t>(F), 0.6f * std::sqrt(float(d)));
    return p;
}

// Forced ties: only 5 distinct encoder rows (each repeated), biases from {0.25, -0.5, 1}, so
// many latents share exactly the same pre; x is small integers so everything is exact.
Problem tie_problem(int32_t d, int32_t F, int64_t n, kt::Rng& rng) {
    Problem p{d, F, n, {}, {}, {}, {}};
    std::vector<float> proto(static_cast<size_t>(5) * d);
    for (float& v : proto) v = float(rng.below(7) - 3);
    const float biases[3] = {0.25f, -0.5f, 1.0f};
    for (int32_t f = 0; f < F; ++f) {
        const int q = rng.below(5);
        p.W.insert(p.W.end(), proto.begin() + q * d, proto.begin() + (q + 1) * d);
        p.b.push_back(biases[rng.below(3)]);
        p.th.push_back(float(rng.below(5) - 2));
    }
    // pairs f, f+1 with negated rows/biases give exact |pre| ties for topk-abs
    for (int32_t f = 0; f + 1 < F; f += 7) {
        for (int32_t i = 0; i < d; ++i) p.W[static_cast<size_t>(f + 1) * d + i] = -p.W[static_cast<size_t>(f) * d + i];
        p.b[static_cast<size_t>(f + 1)] = -p.b[static_cast<size_t>(f)];
    }
    p.x.resize(static_cast<size_t>(n * d));
    for (float& v : p.x) v = float(rng.below(5) - 2);
    return p;
}

// Three identical 128-latent tiles (one per chunk on a 3-thread pool): every key of the row's
// k-th place is tied across chunks and the lowest-index copies must win however the chunks
// interleave (guards the cross-chunk rejection floor, which must keep keys equal to it).
Problem cross_chunk_tie_problem(int64_t n, kt::Rng& rng) {
    Problem base = tie_problem(24, 128, n, rng);
    Problem p = base;
    p.F = 3 * 128;
    for (int c = 1; c < 3; ++c) {
        p.W.insert(p.W.end(), base.W.begin(), base.W.end());
        p.b.insert(p.b.end(), base.b.begin(), base.b.end());
        p.th.insert(p.th.end(), base.th.begin(), base.th.end());
    }
    return p;
}

void run_case(const Problem& p, int32_t k, bool exact, ThreadPool* pool, const char* label) {
    for (Activation m : {Activation::TopKRelu, Activation::TopKAbs, Activation::JumpRelu, Activation::Relu}) {
        std::vector<int32_t> idx(static_cast<size_t>(p.n * k), -77);
        std::vector<float> val(static_cast<size_t>(p.n * k), std::numeric_limits<float>::quiet_NaN());
        const int32_t st = encode(p.view(), m, p.x.data(), p.n, k, idx.data(), val.data(), pool);
        KT_CHECK(st == kOk, "%s status %d", label, st);
        for (int32_t v : idx) KT_CHECK(v != -77, "%s %s: an index slot was not written", label, mode_name(m));
        check_output(p, m, k, idx, val, exact, label);
    }
}

// Scalar, AVX2 and AVX-512 must agree with each other (values within tolerance, indices
// identical for these well-separated random data).
void check_paths_agree(const Problem& p, int32_t k, ThreadPool* pool) {
    for (Activation m : {Activation::TopKRelu, Activation::TopKAbs, Activation::JumpRelu, Activation::Relu}) {
        std::vector<int32_t> base_idx;
        std::vector<float> base_val;
        for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
            if (!force_simd_level(level)) continue;
            std::vector<int32_t> idx(static_cast<size_t>(p.n * k));
            std::vector<float> val(static_cast<size_t>(p.n * k));
            KT_CHECK(encode(p.view(), m, p.x.data(), p.n, k, idx.data(), val.data(), pool) == kOk, "status");
            if (base_idx.empty()) {
                base_idx = idx;
                base_val = val;
                continue;
            }
            size_t idx_diff = 0, val_diff = 0;
            for (size_t i = 0; i < idx.size(); ++i) {
                idx_diff += idx[i] != base_idx[i];
                val_diff += !kt::close(val[i], base_val[i], 1e-4, 1e-5);
            }
            KT_CHECK(idx_diff == 0 && val_diff == 0, "%s vs scalar (%s): %zu index and %zu value differences",
                     simd_level_name(level), mode_name(m), idx_diff, val_diff);
        }
        clear_forced_simd_level();
    }
}

void check_invalid_arguments() {
    kt::Rng rng(99);
    Problem p = random_problem(8, 10, 2, rng);
    std::vector<int32_t> idx(20, -77);
    std::vector<float> val(20, 42.0f);
    const SaeView v = p.view();
    auto call = [&](SaeView s, Activation m, const float* x, int64_t n, int32_t k, int32_t* oi, float* ov) {
        return encode(s, m, x, n, k, oi, ov, nullptr);
    };
    const Activation R = Activation::TopKRelu;
    KT_CHECK(call(v, R, p.x.data(), 2, 0, idx.data(), val.data()) == kErrBadK, "k=0");
    KT_CHECK(call(v, R, p.x.data(), 2, 11, idx.data(), val.data()) == kErrBadK, "k>F");
    KT_CHECK(call(v, R, nullptr, 2, 3, idx.data(), val.data()) == kErrNullPointer, "x null");
    KT_CHECK(call(v, R, p.x.data(), 2, 3, nullptr, val.data()) == kErrNullPointer, "idx null");
    KT_CHECK(call(v, R, p.x.data(), 2, 3, idx.data(), nullptr) == kErrNullPointer, "val null");
    SaeView s = v; s.W_enc = nullptr;
    KT_CHECK(call(s, R, p.x.data(), 2, 3, idx.data(), val.data()) == kErrNullPointer, "W_enc null");
    s = v; s.b_enc = nullptr;
    KT_CHECK(call(s, R, p.x.data(), 2, 3, idx.data(), val.data()) == kErrNullPointer, "b_enc null");
    s = v; s.threshold = nullptr;
    KT_CHECK(call(s, Activation::JumpRelu, p.x.data(), 2, 3, idx.data(), val.data()) == kErrNullPointer, "threshold null");
    KT_CHECK(call(s, Activation::Relu, p.x.data(), 2, 3, idx.data(), val.data()) == kOk, "relu needs no threshold");
    std::fill(idx.begin(), idx.end(), -77);
    std::fill(val.begin(), val.end(), 42.0f);
    s = v; s.d = 0;
    KT_CHECK(call(s, R, p.x.data(), 2, 3, idx.data(), val.data()) == kErrBadShape, "d=0");
    s = v; s.F = -1;
    KT_CHECK(call(s, R, p.x.data(), 2, 1, idx.data(), val.data()) == kErrBadShape, "F<0");
    KT_CHECK(call(v, R, p.x.data(), -1, 3, idx.data(), val.data()) == kErrBadShape, "n<0");
    KT_CHECK(call(v, static_cast<Activation>(7), p.x.data(), 2, 3, idx.data(), val.data()) == kErrBadMode, "mode");
    for (size_t i = 0; i < idx.size(); ++i)
        KT_CHECK(idx[i] == -77 && val[i] == 42.0f, "output written on error at %zu", i);
    KT_CHECK(call(v, R, nullptr, 0, 3, nullptr, nullptr) == kOk, "n=0 is a no-op");
    KT_CHECK(std::string(status_message(kErrBadK)).find("k") != std::string::npos, "message");
}

}  // namespace

int main() {
    kt::Rng rng(2026);
    ThreadPool pool1(1), pool3(3);
    check_invalid_arguments();
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (!force_simd_level(level)) {
            std::printf("skip %s: not supported by this CPU\n", simd_level_name(level));
            continue;
        }
        const char* L = simd_level_name(level);
        run_case(random_problem(37, 300, 50, rng), 7, false, nullptr, L);   // d, F off every multiple
        run_case(random_problem(64, 128, 1, rng), 1, false, &pool1, L);     // K = 1, one row
        run_case(random_problem(19, 40, 13, rng), 40, false, &pool3, L);    // K = F
        run_case(random_problem(33, 515, 430, rng), 16, false, &pool3, L);  // many rows, tile + 3
        run_case(tie_problem(24, 260, 40, rng), 9, true, &pool3, L);        // exact ties
        run_case(tie_problem(5, 129, 7, rng), 129, true, nullptr, L);       // exact ties, K = F
    }
    clear_forced_simd_level();
    {
        ThreadPool pool8(8);
        for (int rep = 0; rep < 3; ++rep) {
            run_case(cross_chunk_tie_problem(300, rng), 10, true, &pool3, "cross-chunk ties");
            run_case(cross_chunk_tie_problem(300, rng), 3, true, &pool8, "cross-chunk ties");
        }
    }
    // Several super-blocks of rows (k = F forces small super-blocks) and chunk merging.
    run_case(random_problem(12, 1000, 700, rng), 1000, false, &pool3, "k=F many rows");
    check_paths_agree(random_problem(45, 700, 90, rng), 20, &pool3);
    return kt::finish("test_topk_encode");
}
