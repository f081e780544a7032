// Internal: the blocked, packed, multi-threaded GEMM loop shared by sgemm() and encode().
// Computes P = A[M,K] . B[N,K]^T tile by tile and hands every finished tile (rows x cols of P,
// bias NOT added) to a sink, so a caller can consume pre-activations while they are in cache
// instead of materializing [M, N].
//
// Blocking (BLIS style, both operands K-contiguous):
//   rows are processed in super-blocks of <= max_super_rows; a super-block of A is packed once
//   (shared by all threads) into MR-row panels [K][MR];
//   columns are split into tiles of kTileCols (a multiple of NR); each worker packs one B tile
//   [kTileCols x K] into NR-column panels [K][NR] (per-thread scratch, reused across row blocks);
//   per tile and row block of kRowBlock rows, the K loop runs in slices of kc: a B panel slice
//   (kc x NR) stays in L1, the A slice (kRowBlock x kc) in L2, the P tile
//   (kRowBlock x kTileCols) in L2; the micro-kernel keeps an MR x NR block in registers.
// Work split: tiles are grouped into "chunks" (contiguous latent ranges) and rows of a
// super-block into row groups; a task = (chunk, row group). Sinks keep per-chunk state, so no
// two tasks ever write the same state.
//
// Sink interface:
//   void begin_super(int64_t row0, int64_t rows, int n_chunks);           // serial
//   void consume(int chunk, int64_t row0, int rows, int64_t col0, int cols,
//                const float* tile, int64_t ldt);                           // in tasks
//   void end_super(int64_t row0, int64_t rows, int n_chunks);             // serial
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "micro_kernel.h"
#include "thread_pool.h"

namespace llama_sae {
namespace detail {

constexpr int kTileCols = 128;  // latents per P tile; a multiple of every kernel's NR
constexpr int kRowBlock = 192;
constexpr int kMinChunkTiles = 16;  // 2048 latents  // rows per P tile; a multiple of every kernel's MR (4, 6, 12)

/// Grows-only 64-byte-aligned float buffer.
class AlignedFloats {
public:
    float* get(size_t n) {
        if (n > cap_) {
            const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
            void* p = std::aligned_alloc(64, bytes);
            if (!p) return nullptr;
            ptr_.reset(static_cast<float*>(p));
            cap_ = n;
        }
        return ptr_.get();
    }

private:
    struct Free {
        void operator()(float* p) const { std::free(p); }
    };
    std::unique_ptr<float, Free> ptr_;
    size_t cap_ = 0;
};

/// Packs rows [0, rows) of src (row stride ld, K contiguous floats each) into panels of w rows:
/// panel q = [K][w] holding rows q*w .. q*w+w-1, rows >= `rows` zero-filled.
/// dst must hold ceil(rows / w) * w * K floats.
void pack_panels(const float* src, int64_t ld, int64_t rows, int64_t K, int w, float* dst);

/// Per-thread scratch (packed A of the calling thread, B tile, P tile), kept across calls so
/// repeated encodes do not page-fault fresh buffers.
AlignedFloats& thread_a_scratch();
AlignedFloats& thread_b_scratch();
AlignedFloats& thread_p_scratch();

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Number of latent chunks tiled_gemm uses for N columns on n_threads threads (sinks size
/// their per-chunk state with it).
inline int plan_chunks(int64_t N, int n_threads) {
    const int64_t n_tiles = ceil_div(N, kTileCols);
    // Several chunks per thread let the dynamic scheduler even out busy cores, but every chunk
    // adds per-row selection state to merge: keep chunks >= kMinChunkTiles tiles when possible.
    if (n_threads == 1) return 1;
    const int64_t wanted = std::max<int64_t>(n_threads, std::min<int64_t>(2 * n_threads, n_tiles / kMinChunkTiles));
    return static_cast<int>(std::min<int64_t>(n_tiles, wanted));
}

/// Returns false when scratch memory could not be allocated.
template <class Sink>
bool tiled_gemm(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t M, int64_t N,
                int64_t K, int64_t max_super_rows, ThreadPool* pool, const MicroKernel& mk,
                Sink& sink) {
    const int mr = mk.mr, nr = mk.nr;
    const int64_t kc = mk.kc;
    const int n_threads = pool ? pool->size() : 1;
    const int64_t n_tiles = ceil_div(N, kTileCols);
    const int n_chunks = plan_chunks(N, n_threads);
    // Packed A of a super-block stays <= 4M floats (16 MiB) whatever d is.
    max_super_rows = std::min<int64_t>(max_super_rows, (int64_t{1} << 22) / K);
    max_super_rows = std::max<int64_t>(mr, max_super_rows / mr * mr);

    AlignedFloats& a_packed = thread_a_scratch();
    std::atomic<bool> ok{true};
    for (int64_t s0 = 0; s0 < M; s0 += max_super_rows) {
        const int64_t rows = std::min(max_super_rows, M - s0);
        const int64_t n_panels = ceil_div(rows, mr);
        float* ap = a_packed.get(static_cast<size_t>(n_panels * mr * K));
        if (!ap) return false;
        // Pack A in parallel, one panel group per task.
        const int64_t panels_per_task = std::max<int64_t>(1, kRowBlock / mr);
        parallel_for(pool, ceil_div(n_panels, panels_per_task), [&](int64_t t, int) {
            const int64_t q0 = t * panels_per_task;
            const int64_t q1 = std::min(n_panels, q0 + panels_per_task);
            const int64_t r0 = q0 * mr;
            const int64_t r1 = std::min(rows, q1 * mr);
            pack_panels(A + (s0 + r0) * lda, lda, r1 - r0, K, mr, ap + q0 * mr * K);
        });

        const int64_t n_row_blocks = ceil_div(rows, kRowBlock);
        const int64_t n_row_groups =
            std::min<int64_t>(n_row_blocks, std::max<int64_t>(1, ceil_div(2 * n_threads, n_chunks)));
        const int64_t blocks_per_group = ceil_div(n_row_blocks, n_row_groups);
        sink.begin_super(s0, rows, n_chunks);
        parallel_for(pool, n_chunks * n_row_groups, [&](int64_t task, int) {
            const int chunk = static_cast<int>(task % n_chunks);
            const int64_t group = task / n_chunks;
            const int64_t t0 = n_tiles * chunk / n_chunks;
            const int64_t t1 = n_tiles * (chunk + 1) / n_chunks;
            const int64_t rb0 = group * blocks_per_group;
            const int64_t rb1 = std::min(n_row_blocks, rb0 + blocks_per_group);
            if (rb0 >= rb1) return;
            float* bt = thread_b_scratch().get(static_cast<size_t>(kTileCols) * K);
            float* pt = thread_p_scratch().get(static_cast<size_t>(kRowBlock) * kTileCols);
            if (!bt || !pt) {
                ok = false;
                return;
            }
            for (int64_t tile = t0; tile < t1; ++tile) {
                const int64_t col0 = tile * kTileCols;
                const int cols = static_cast<int>(std::min<int64_t>(kTileCols, N - col0));
                const int b_panels = static_cast<int>(ceil_div(cols, nr));
                pack_panels(B + col0 * ldb, ldb, cols, K, nr, bt);
                for (int64_t rb = rb0; rb < rb1; ++rb) {
                    const int64_t r0 = rb * kRowBlock;  // relative to the super-block
                    const int nrows = static_cast<int>(std::min<int64_t>(kRowBlock, rows - r0));
                    const int a_panels = static_cast<int>(ceil_div(nrows, mr));
                    const float* ablk = ap + (r0 / mr) * mr * K;
                    for (int64_t p = 0; p < K; p += kc) {
                        const int64_t kcur = std::min(kc, K - p);
                        for (int jp = 0; jp < b_panels; ++jp) {
                            const float* bpan = bt + jp * nr * K + p * nr;
                            for (int ip = 0; ip < a_panels; ++ip) {
                                mk.run(kcur, ablk + ip * mr * K + p * mr, bpan,
                                       pt + ip * mr * kTileCols + jp * nr, kTileCols, p > 0);
                            }
                        }
                    }
                    sink.consume(chunk, s0 + r0, nrows, col0, cols, pt, kTileCols);
                }
            }
        });
        if (!ok) return false;
        sink.end_super(s0, rows, n_chunks);
    }
    return true;
}

}  // namespace detail
}  // namespace llama_sae
