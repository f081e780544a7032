// Fused SAE encoder + per-row top-k selection on the CPU (the reference for the CUDA kernels).
//
// For every row x (x: [n_rows, d] row-major), pre[f] = b_enc[f] + dot(W_enc[f], x) is computed
// tile by tile (a tile of 128 latents x 192 rows stays in L2) by the packed GEMM of sgemm.h, and
// each tile is scanned immediately by a per-row running top-k (a heap whose worst key is the
// rejection threshold: most latents cost one compare). No dense [n_rows, F] matrix exists; the
// scratch is per thread plus O(n_rows_block * k) candidates.
//
// Output per row (see the shared contracts): k (index, value) pairs sorted by key descending
// (key = pre for TopKRelu, |pre| for TopKAbs, value for Relu/JumpRelu), equal keys -> lower
// latent index first; Relu/JumpRelu pad unused slots with index -1, value 0 at the end.
// Pre-activations accumulate in fp32 (one sequential FMA chain per dot product on SIMD paths).
// NaN/inf inputs never crash but give unspecified selections.
// Scratch: each thread keeps its packing buffers between calls (128*d floats per worker plus a
// 192x128 tile; the calling thread also keeps the packed rows, at most 16 MiB).
// Thread safety: concurrent calls are fine with distinct pools (or null); a ThreadPool must not
// be used by two calls at once.
#pragma once

#include <cstdint>

#include "kernel_status.h"
#include "sae_view.h"
#include "thread_pool.h"

namespace llama_sae {

/// sae: W_enc, b_enc required (threshold too for JumpRelu); W_dec/b_dec unused.
/// x: [n_rows, d]; idx: [n_rows, k] int32 out; val: [n_rows, k] float out.
/// pool: null runs on the calling thread.
/// Returns kOk; kErrNullPointer (missing pointer); kErrBadShape (d <= 0, F <= 0, n_rows < 0);
/// kErrBadK (k < 1 or k > F); kErrBadMode (unknown mode); kErrOutOfMemory. On error nothing is
/// written. n_rows == 0 is valid and writes nothing.
int32_t encode(const SaeView& sae, Activation mode, const float* x, int64_t n_rows, int32_t k,
               int32_t* idx, float* val, ThreadPool* pool);

}  // namespace llama_sae
