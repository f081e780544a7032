#include "topk_encode.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <cmath>
#include <new>
#include <vector>

#include "tiled_gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LLAMA_SAE_X86 1
#endif

namespace llama_sae {

namespace {

// One candidate: the latent and its pre-activation (the key and the value derive from it).
struct Cand {
    float pre;
    int32_t idx;
};

template <Activation M>
inline float key_of(float pre) {
    if constexpr (M == Activation::TopKAbs) return std::fabs(pre);
    return pre;
}

// Contract order: larger key first, equal keys -> lower latent index first.
template <Activation M>
inline bool better(const Cand& a, const Cand& b) {
    const float ka = key_of<M>(a.pre), kb = key_of<M>(b.pre);
    return ka > kb || (ka == kb && a.idx < b.idx);
}

// Index of the first j in [j, cols) whose key (p[j] + bias[j], or its absolute value) is
// > thr, or cols. Exact same float operations as the scalar scan, so results do not depend on it.
int next_above_scalar(const float* p, const float* bias, int j, int cols, float thr, bool absolute) {
    for (; j < cols; ++j) {
        const float pre = p[j] + bias[j];
        if ((absolute ? std::fabs(pre) : pre) > thr) return j;
    }
    return cols;
}

#ifdef LLAMA_SAE_X86
// Eight latents per compare: the steady state of the scan is almost always "reject all".
__attribute__((target("avx2"))) int next_above_avx2(const float* p, const float* bias, int j, int cols,
                                                    float thr, bool absolute) {
    const __m256 t = _mm256_set1_ps(thr);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (; j + 8 <= cols; j += 8) {
        __m256 key = _mm256_add_ps(_mm256_loadu_ps(p + j), _mm256_loadu_ps(bias + j));
        if (absolute) key = _mm256_andnot_ps(sign, key);
        const int mask = _mm256_movemask_ps(_mm256_cmp_ps(key, t, _CMP_GT_OQ));
        if (mask) return j + __builtin_ctz(static_cast<unsigned>(mask));
    }
    return next_above_scalar(p, bias, j, cols, thr, absolute);
}
#endif

using NextAboveFn = int (*)(const float*, const float*, int, int, float, bool);

NextAboveFn next_above_for(SimdLevel level) {
#ifdef LLAMA_SAE_X86
    if (level != SimdLevel::Scalar) return next_above_avx2;
#endif
    (void)level;
    return next_above_scalar;
}

// Keeps the best k of buf[0, n) in buf[0, k) (unordered) and returns the k-th best key, which
// becomes the row's rejection threshold.
template <Activation M>
inline float compact(Cand* buf, int n, int k) {
    std::nth_element(buf, buf + (k - 1), buf + n, [](const Cand& a, const Cand& b) { return better<M>(a, b); });
    return key_of<M>(buf[k - 1].pre);
}

// Per-(chunk, row) running top-k over the tiles of one super-block of rows. Each (chunk, row)
// owns a buffer of 2k candidates: accepted latents are appended; a full buffer is compacted to
// its best k (nth_element) and the k-th best key becomes the threshold. Amortized O(1) per
// accepted latent, versus O(log k) unpredictable branches for a heap.
class TopKSink {
public:
    TopKSink(const SaeView& sae, Activation mode, int32_t k, int32_t* idx, float* val,
             ThreadPool* pool)
        : sae_(sae), mode_(mode), k_(k), idx_(idx), val_(val), pool_(pool),
          next_above_(next_above_for(active_simd_level())) {}

    void begin_super(int64_t row0, int64_t rows, int n_chunks) {
        row0_ = row0;
        rows_ = rows;
        const size_t slots = static_cast<size_t>(n_chunks) * static_cast<size_t>(rows);
        count_.assign(slots, 0);
        thr_.assign(slots, 0.0f);
        if (rows > floor_rows_) {
            floor_.reset(new std::atomic<float>[static_cast<size_t>(rows)]);
            floor_rows_ = rows;
        }
        for (int64_t r = 0; r < rows; ++r) floor_[r].store(-INFINITY, std::memory_order_relaxed);
        heap_.resize(slots * static_cast<size_t>(cap()));
    }

    void consume(int chunk, int64_t row0, int rows, int64_t col0, int cols, const float* tile,
                 int64_t ldt) {
        switch (mode_) {
            case Activation::TopKRelu: scan<Activation::TopKRelu>(chunk, row0, rows, col0, cols, tile, ldt); break;
            case Activation::TopKAbs: scan<Activation::TopKAbs>(chunk, row0, rows, col0, cols, tile, ldt); break;
            case Activation::JumpRelu: scan<Activation::JumpRelu>(chunk, row0, rows, col0, cols, tile, ldt); break;
            case Activation::Relu: scan<Activation::Relu>(chunk, row0, rows, col0, cols, tile, ldt); break;
        }
    }

    void end_super(int64_t row0, int64_t rows, int n_chunks) {
        switch (mode_) {
            case Activation::TopKRelu: merge<Activation::TopKRelu>(row0, rows, n_chunks); break;
            case Activation::TopKAbs: merge<Activation::TopKAbs>(row0, rows, n_chunks); break;
            case Activation::JumpRelu: merge<Activation::JumpRelu>(row0, rows, n_chunks); break;
            case Activation::Relu: merge<Activation::Relu>(row0, rows, n_chunks); break;
        }
    }

private:
    int cap() const { return 2 * k_; }

    size_t slot(int chunk, int64_t row) const {
        return static_cast<size_t>(chunk) * static_cast<size_t>(rows_) + static_cast<size_t>(row - row0_);
    }

    template <Activation M>
    static bool eligible(float pre, const float* threshold, int64_t f) {
        if constexpr (M == Activation::Relu) return pre > 0.0f;
        if constexpr (M == Activation::JumpRelu) return pre > threshold[f];
        (void)pre, (void)threshold, (void)f;
        return true;
    }

    // Latents arrive in increasing index order within a chunk, so a newcomer whose key equals
    // the threshold (the k-th best so far) loses the tie: one strict compare decides rejection.
    // count_ < 0 marks "compacted at least once" (thr_ valid); its magnitude is the fill.
    //
    // Chunks of the same row also share a floor: once any chunk holds k candidates with keys
    // >= t, no key < t anywhere can reach the row's top k, so every chunk may reject keys
    // <= floor = nextafter(t, -inf) (keys == t survive: they may win the tie on index).
    template <Activation M>
    void scan(int chunk, int64_t row0, int rows, int64_t col0, int cols, const float* tile,
              int64_t ldt) {
        const float* bias = sae_.b_enc + col0;
        const float* th = sae_.threshold;
        const int k = k_, capacity = cap();
        for (int r = 0; r < rows; ++r) {
            const size_t s = slot(chunk, row0 + r);
            std::atomic<float>& shared_floor = floor_[row0 + r - row0_];
            Cand* buf = heap_.data() + s * static_cast<size_t>(capacity);
            int n = count_[s];
            bool has_thr = n < 0;
            if (has_thr) n = -n;
            float thr = thr_[s];
            float floor = shared_floor.load(std::memory_order_relaxed);
            auto after_compaction = [&] {
                float mine = std::nextafter(thr, -INFINITY);
                float cur = shared_floor.load(std::memory_order_relaxed);
                while (mine > cur && !shared_floor.compare_exchange_weak(cur, mine, std::memory_order_relaxed)) {
                }
                floor = std::max(floor, std::max(mine, cur));
            };
            const float* p = tile + r * ldt;
            int j = 0;
            for (; !has_thr && j < cols; ++j) {  // until the first compaction keep every eligible one
                const float pre = p[j] + bias[j];
                if (floor > -INFINITY && !(key_of<M>(pre) > floor)) continue;
                if (!eligible<M>(pre, th, col0 + j)) continue;
                buf[n++] = Cand{pre, static_cast<int32_t>(col0 + j)};
                if (n == capacity) {
                    thr = compact<M>(buf, n, k);
                    n = k;
                    has_thr = true;
                    after_compaction();
                }
            }
            // steady state: one compare rejects (eight at a time on SIMD paths)
            float reject = std::max(thr, floor);
            for (; (j = next_above_(p, bias, j, cols, reject, M == Activation::TopKAbs)) < cols; ++j) {
                const float pre = p[j] + bias[j];
                if (!eligible<M>(pre, th, col0 + j)) continue;
                buf[n++] = Cand{pre, static_cast<int32_t>(col0 + j)};
                if (n == capacity) {
                    thr = compact<M>(buf, n, k);
                    n = k;
                    after_compaction();
                    reject = std::max(thr, floor);
                }
            }
            count_[s] = has_thr ? -n : n;
            thr_[s] = thr;
        }
    }

    template <Activation M>
    void merge(int64_t row0, int64_t rows, int n_chunks) {
        const int k = k_;
        parallel_for(pool_, rows, [&](int64_t r, int) {
            thread_local std::vector<Cand> all;
            all.clear();
            for (int c = 0; c < n_chunks; ++c) {
                const size_t s = slot(c, row0 + r);
                const Cand* h = heap_.data() + s * static_cast<size_t>(cap());
                all.insert(all.end(), h, h + std::abs(count_[s]));
            }
            const size_t keep = std::min(all.size(), static_cast<size_t>(k));
            const auto cmp = [](const Cand& a, const Cand& b) { return better<M>(a, b); };
            const auto mid = all.begin() + static_cast<std::ptrdiff_t>(keep);
            if (keep > 0 && keep < all.size()) std::nth_element(all.begin(), mid - 1, all.end(), cmp);
            std::sort(all.begin(), mid, cmp);
            int32_t* oi = idx_ + (row0 + r) * k;
            float* ov = val_ + (row0 + r) * k;
            for (size_t i = 0; i < keep; ++i) {
                const float pre = all[i].pre;
                oi[i] = all[i].idx;
                ov[i] = (M == Activation::TopKRelu) ? (pre > 0.0f ? pre : 0.0f) : pre;
            }
            for (size_t i = keep; i < static_cast<size_t>(k); ++i) {
                oi[i] = -1;
                ov[i] = 0.0f;
            }
        });
    }

    const SaeView& sae_;
    Activation mode_;
    int32_t k_;
    int32_t* idx_;
    float* val_;
    ThreadPool* pool_;
    NextAboveFn next_above_;
    int64_t row0_ = 0, rows_ = 0;
    std::vector<int> count_;
    std::vector<float> thr_;
    std::unique_ptr<std::atomic<float>[]> floor_;  // [rows] shared rejection floor per row
    int64_t floor_rows_ = 0;
    std::vector<Cand> heap_;  // [n_chunks][rows][2k] candidate buffers
};

// Candidate memory per super-block: n_chunks * rows * 2k entries (8 bytes each).
constexpr int64_t kCandidateBudget = int64_t{4} << 20;
constexpr int64_t kMaxSuperRows = 1536;

}  // namespace

int32_t encode(const SaeView& sae, Activation mode, const float* x, int64_t n_rows, int32_t k,
               int32_t* idx, float* val, ThreadPool* pool) {
    if (mode != Activation::TopKRelu && mode != Activation::TopKAbs &&
        mode != Activation::JumpRelu && mode != Activation::Relu)
        return kErrBadMode;
    if (sae.d <= 0 || sae.F <= 0 || n_rows < 0) return kErrBadShape;
    if (k < 1 || k > sae.F) return kErrBadK;
    if (!sae.W_enc || !sae.b_enc || (mode == Activation::JumpRelu && !sae.threshold))
        return kErrNullPointer;
    if (n_rows == 0) return kOk;
    if (!x || !idx || !val) return kErrNullPointer;

    const int n_threads = pool ? pool->size() : 1;
    const int n_chunks = detail::plan_chunks(sae.F, n_threads);
    const int64_t super_rows =
        std::clamp<int64_t>(kCandidateBudget / (int64_t{n_chunks} * 2 * k), 1, kMaxSuperRows);
    TopKSink sink(sae, mode, k, idx, val, pool);
    bool ok;
    try {
        ok = detail::tiled_gemm(x, sae.d, sae.W_enc, sae.d, n_rows, sae.F, sae.d, super_rows, pool,
                                detail::active_micro_kernel(), sink);
    } catch (const std::bad_alloc&) {
        ok = false;
    }
    return ok ? kOk : kErrOutOfMemory;
}

}  // namespace llama_sae
