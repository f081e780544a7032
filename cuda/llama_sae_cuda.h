/*
 * llama_sae_cuda.h - C API of llama-sae's CUDA kernels (SAE encode, sparse edit, feature stats).
 *
 * Called by the engine from llama.cpp's eval callback on DEVICE pointers. Plain C linkage, no
 * CUDA types: a stream is passed as `void*` (a cudaStream_t; NULL = legacy default stream), so
 * C/C++ code without CUDA headers (and JavaCPP) can include this file.
 *
 * Conventions (the shared numeric contracts, as in native/src/kernels/sae_view.h and sparse_edit.h;
 * the numbered kinds come from native/include/llama_sae_kinds.h):
 *   - residual rows x: [n_rows, d] row-major float32 on the device;
 *   - weights latent-major: W_enc [F, d], b_enc [F] (pre-encoder bias folded in), W_dec [F, d],
 *     b_dec [d], optional threshold [F];
 *   - codes: idx int32 [n_rows, k], val float32 [n_rows, k], sorted by key descending, ties by
 *     lower latent index;
 *   - every function returns an int32 status (LLAMA_SAE_CUDA_OK = 0, negative = error) and
 *     never aborts; llama_sae_cuda_last_error() gives the message (file:line) of the calling
 *     thread's last failure.
 *   - Device memory passed in (x, idx, val) is owned by the caller; objects created by *_init
 *     own their device memory and release it in the matching *_free.
 *   - A handle is not thread-safe and keeps one scratch workspace: do not run two encodes with
 *     the same handle on different streams at the same time.
 *   - One device per process is assumed: kernel attributes (shared-memory limits) are set once.
 *   - The kernels need compute capability 8.0 or newer (built for sm_90 by default).
 */
#ifndef LLAMA_SAE_CUDA_H
#define LLAMA_SAE_CUDA_H

#include <stdint.h>

/* Activation, edit and update kinds: LLAMA_SAE_ACT_*, LLAMA_SAE_EDIT_*, LLAMA_SAE_EDIT_MODE_*
 * (one definition for the C API, the CPU kernels and these kernels). */
#include "llama_sae_kinds.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ---- */
#define LLAMA_SAE_CUDA_OK 0
#define LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT (-1) /* bad shape, NULL pointer, value out of range  */
#define LLAMA_SAE_CUDA_ERR_NO_DEVICE (-2)        /* no CUDA driver or device                      */
#define LLAMA_SAE_CUDA_ERR_OUT_OF_MEMORY (-3)    /* cudaMalloc failed                              */
#define LLAMA_SAE_CUDA_ERR_UNSUPPORTED (-4)      /* mode/shape this implementation does not cover  */
#define LLAMA_SAE_CUDA_ERR_CUDA (-5)             /* any other CUDA runtime/launch error            */

/* ---- enums ---- */
/* Storage dtype of W_enc / W_dec (host arrays handed to llama_sae_cuda_sae_init; 16-bit types
 * are raw IEEE half / bfloat16 bit patterns in uint16_t). Biases are always float32. */
#define LLAMA_SAE_CUDA_DTYPE_F32 0
#define LLAMA_SAE_CUDA_DTYPE_F16 1
#define LLAMA_SAE_CUDA_DTYPE_BF16 2

/* Activation modes: LLAMA_SAE_ACT_* of llama_sae_kinds.h; only the two Top-K modes are
 * implemented on the GPU (the engine encodes relu/jumprelu SAEs on the host). */

/* Encode path selection (llama_sae_cuda_sae_set_path). AUTO picks GEMV for n_rows <= 8, else
 * the cuBLAS path when libcublas can be loaded (llama_sae_cuda_cublas_available), else the
 * cudart-only WMMA kernel. */
#define LLAMA_SAE_CUDA_PATH_AUTO 0
#define LLAMA_SAE_CUDA_PATH_GEMV 1        /* fp32 FMA GEMV over bf16 weights (few tokens)  */
#define LLAMA_SAE_CUDA_PATH_TENSOR_CORE 2 /* bf16 WMMA tiles, fp32 accumulation (many)     */
#define LLAMA_SAE_CUDA_PATH_CUBLAS 3      /* cuBLAS bf16 GEMM over L2-sized chunks (many)  */

/* Update modes of llama_sae_cuda_apply_edits_and_update: LLAMA_SAE_EDIT_MODE_* of llama_sae_kinds.h.
 * Edit operations: LLAMA_SAE_EDIT_* (one per latent in a device table; ablate = scale by 0). */

/* Most CLAMP edits and most STEER edits one edit set may hold (each). */
#define LLAMA_SAE_CUDA_MAX_CLAMPS 64
#define LLAMA_SAE_CUDA_MAX_STEERS 64
/* Largest k accepted by encode / apply / stats. */
#define LLAMA_SAE_CUDA_MAX_K 1024

/* ---- device / errors ---- */

/* Number of usable CUDA devices (0 when there is no driver or no device). Never fails. */
int32_t llama_sae_cuda_device_count(void);

/* Message of this thread's last non-OK status ("" if none). Valid until the next failing call
 * on the same thread. Owned by the library. */
const char* llama_sae_cuda_last_error(void);

/* 1 when the cuBLAS scoring path can be used: libcublas (.so.13, .so.12 or .so, or the file named
 * by LLAMA_SAE_CUBLAS_LIB) loads at run time and LLAMA_SAE_CUDA_CUBLAS is not "0"; else 0 with
 * the reason as llama_sae_cuda_last_error(). Needs no device. The library is never linked: builds
 * without cuBLAS keep the cudart-only kernels (see README.md "cuBLAS at run time"). */
int32_t llama_sae_cuda_cublas_available(void);

/* ---- SAE weights on the device ---- */

typedef struct llama_sae_cuda_sae llama_sae_cuda_sae; /* opaque */

/* Host-side description of the weights to upload. All pointers are HOST memory, read only
 * during llama_sae_cuda_sae_init and not retained. */
typedef struct llama_sae_cuda_weights {
    int32_t n_features;     /* F >= 1                                                   */
    int32_t d_model;        /* d >= 1                                                   */
    int32_t dtype;          /* LLAMA_SAE_CUDA_DTYPE_* of w_enc and w_dec                */
    const void* w_enc;      /* [F, d] latent-major, dtype                               */
    const float* b_enc;     /* [F], pre-encoder bias already folded in                   */
    const void* w_dec;      /* [F, d] latent-major, dtype                               */
    const float* b_dec;     /* [d]                                                      */
    const float* threshold; /* [F] JumpReLU thresholds, or NULL (kept for later modes)  */
} llama_sae_cuda_weights;

/* Uploads the weights to the current CUDA device (synchronously) and creates a handle.
 * Device memory: W_enc and W_dec in their storage dtype, biases f32, plus a bf16 copy of W_enc
 * padded to [ceil(F/256)*256, ceil(d/64)*64] for the approximate scoring pass (for bf16 storage
 * this copy replaces nothing: it is an extra F*d*2 bytes). *out is NULL on failure.
 * Returns OK, INVALID_ARGUMENT, NO_DEVICE, OUT_OF_MEMORY or CUDA. */
int32_t llama_sae_cuda_sae_init(const llama_sae_cuda_weights* weights, llama_sae_cuda_sae** out);

/* Releases the handle and all its device memory (synchronizes the device first). NULL is a no-op. */
void llama_sae_cuda_sae_free(llama_sae_cuda_sae* sae);

/* Pre-allocates the encode workspace for up to max_rows rows and k <= max_k (and, when the
 * cuBLAS path is usable, the cuBLAS handle and its workspace), so that later encodes do no
 * cudaMalloc and no synchronization (required before capturing encode into a CUDA graph).
 * Encode grows the workspace itself (synchronously) when it is too small. */
int32_t llama_sae_cuda_sae_reserve(llama_sae_cuda_sae* sae, int32_t max_rows, int32_t max_k);

/* Candidate margin m of the exact re-scoring (default 32, range 0..1024): the approximate pass
 * keeps the k + m best latents per token (plus up to 32 exact ties at the cut), which are then
 * re-scored exactly. See README.md "Exact selection" for when this can miss. */
int32_t llama_sae_cuda_sae_set_margin(llama_sae_cuda_sae* sae, int32_t margin);

/* Forces an encode path (LLAMA_SAE_CUDA_PATH_*); AUTO is the default. All paths give the same
 * indices (exact re-scoring); this exists for tests and to rule a path out. PATH_CUBLAS where
 * cuBLAS cannot be loaded: UNSUPPORTED (with the reason), the path is left unchanged. */
int32_t llama_sae_cuda_sae_set_path(llama_sae_cuda_sae* sae, int32_t path);

/* F and d of the handle (either out pointer may be NULL). */
int32_t llama_sae_cuda_sae_shape(const llama_sae_cuda_sae* sae, int32_t* n_features, int32_t* d_model);

/* ---- encode ---- */

/* Top-K encode of n_rows residual rows, asynchronously on `stream`.
 *   x_dev:   [n_rows, d] float32, device, read only.
 *   k:       1 <= k <= min(F, LLAMA_SAE_CUDA_MAX_K).
 *   mode:    LLAMA_SAE_ACT_TOPK_RELU or LLAMA_SAE_ACT_TOPK_ABS (others: UNSUPPORTED).
 *   idx_dev: [n_rows, k] int32, device, written; val_dev: [n_rows, k] float32, device, written.
 * Scores all latents approximately (bf16 weights; x in f32 on the GEMV path, bf16 on the tensor
 * core path; fp32 accumulation), keeps k + margin candidates per row, re-scores those in double
 * from the stored-dtype weights and the f32 x, and selects the final k by the contract's order.
 * n_rows == 0 is a no-op. May grow the workspace (see reserve). */
int32_t llama_sae_cuda_encode(llama_sae_cuda_sae* sae, const float* x_dev, int32_t n_rows, int32_t k,
                              int32_t mode, int32_t* idx_dev, float* val_dev, void* stream);

/* ---- edits (interventions) ---- */

typedef struct llama_sae_cuda_edits llama_sae_cuda_edits; /* opaque, device-resident table */

/* One edit. op = LLAMA_SAE_EDIT_*; latent in [0, F); partner only for SWAP (in [0, F),
 * != latent); value = scale factor (SCALE), clamp value (CLAMP) or alpha (STEER). */
typedef struct llama_sae_cuda_edit {
    int32_t op;
    int32_t latent;
    int32_t partner;
    float value;
} llama_sae_cuda_edit;

/* Creates an empty edit table for the handle's F (per-latent op/arg/partner arrays [F], a clamp
 * list and a steer list, all device memory of fixed size so graph shapes never change). */
int32_t llama_sae_cuda_edits_init(const llama_sae_cuda_sae* sae, llama_sae_cuda_edits** out);
void llama_sae_cuda_edits_free(llama_sae_cuda_edits* edits);

/* Replaces the table's contents with `edits` (host array of n_edits, may be NULL when 0),
 * validated on the host first: latent/partner in range, at most one SCALE/CLAMP/SWAP per
 * latent (a swap claims both latents), at most one STEER per latent, at most MAX_CLAMPS clamps
 * and MAX_STEERS steers, finite values. On INVALID_ARGUMENT the table is unchanged.
 * Synchronizes `stream` first (the previous upload's staging buffers are replaced), then enqueues
 * the upload on `stream`; the caller's array may be reused on return. Not for graph capture. */
int32_t llama_sae_cuda_edits_set(llama_sae_cuda_edits* edits, const llama_sae_cuda_edit* list, int32_t n_edits,
                                 void* stream);

/* Applies the edit table to the codes of n_rows rows and updates the residual in place.
 *   x_dev:   [n_rows, d] float32, device, read and written (the residual h).
 *   idx_dev, val_dev: [n_rows, k] codes from llama_sae_cuda_encode (idx -1 = empty slot).
 *   update_mode: LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING: h' = h + sum_f (z'_f - z_f) W_dec[f]
 *                (fp32 accumulation of the touched W_dec rows only; a row whose z' == z and
 *                that has no steer is not written at all, so it stays bit-identical);
 *                LLAMA_SAE_EDIT_MODE_RECONSTRUCTION: h' = b_dec + sum_f z'_f W_dec[f].
 *   Then every STEER adds value * W_dec[latent] (both modes).
 * edits == NULL means "no edits". */
int32_t llama_sae_cuda_apply_edits_and_update(const llama_sae_cuda_sae* sae, float* x_dev, int32_t n_rows,
                                              int32_t k, const int32_t* idx_dev, const float* val_dev,
                                              const llama_sae_cuda_edits* edits, int32_t update_mode,
                                              void* stream);

/* ---- feature statistics ---- */

typedef struct llama_sae_cuda_stats llama_sae_cuda_stats; /* opaque, device accumulators */

/* Creates zeroed device accumulators for n_features latents, in the engine's exact definition
 * (native/src/kernels/exact_sum.h = io.llamasae.analysis.ExactSum): count (uint64); sum |a| and
 * sum a as 128-bit integers of round(a * 2^40) per value (ties toward +inf), stored as (hi, lo)
 * word pairs; max |a| (float); rows seen. Integer sums are exact, so the totals do not depend on
 * the order of the atomics and merge bit-identically with the host's and other devices' sums. */
int32_t llama_sae_cuda_stats_init(int32_t n_features, llama_sae_cuda_stats** out);
void llama_sae_cuda_stats_free(llama_sae_cuda_stats* stats);

/* Zeroes the accumulators, async on `stream`. */
int32_t llama_sae_cuda_stats_reset(llama_sae_cuda_stats* stats, void* stream);

/* Adds the codes of n_rows rows with atomics, async on `stream`: rows_dev [n_rows] lists row
 * indices into idx/val ([*, k], device); rows_dev NULL means rows 0 .. n_rows-1. A slot counts
 * when idx >= 0 and val != 0 ("active"); idx >= F is ignored. Values must be finite with
 * |a| < 2^64 (the host checks the codes it receives). */
int32_t llama_sae_cuda_stats_accumulate(llama_sae_cuda_stats* stats, const int32_t* idx_dev, const float* val_dev,
                                        const int32_t* rows_dev, int32_t n_rows, int32_t k, void* stream);

/* Copies the device accumulators to the host, synchronizing `stream`, and MERGES them into the
 * caller's host arrays (any may be NULL): count [F] += ; sum_abs, sum [2F] (hi, lo) += (128-bit);
 * max_abs [F] = max(max_abs, device); *n_rows += rows seen. If reset != 0 the device accumulators
 * are zeroed afterwards (so repeated fetches never count twice). */
int32_t llama_sae_cuda_stats_fetch_merge(llama_sae_cuda_stats* stats, int64_t* count, int64_t* sum_abs, int64_t* sum,
                                         float* max_abs, int64_t* n_rows, int32_t reset, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* LLAMA_SAE_CUDA_H */
