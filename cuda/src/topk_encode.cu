// Top-K SAE encode (modes topk-relu, topk-abs) with exact selection.
//
// Pipeline per latent chunk (the chunk's pre-activation block P [T, Fc] f32 stays ~<= 64 MiB so
// it mostly lives in L2):
//   1. score   approximate keys P[t, f] = key(b_enc[f] + W_bf16[f] . x[t])
//              - GEMV path (few tokens): fp32 FMAs, x f32 in shared memory, bf16 weights
//                streamed with 16-byte loads, NT tokens per pass (register blocking);
//              - tensor-core path (many tokens): WMMA bf16 x bf16 -> fp32, 256x128x64 tiles
//                (latents x tokens x d), warp tile 64x64, 3-stage cp.async pipeline, x
//                converted to bf16 once (cudart only: the fallback where cuBLAS is absent);
//              - cuBLAS path (many tokens, AUTO when libcublas loads): cublasGemmEx bf16 x bf16 ->
//                fp32 raw dot products over chunks of <= 512 tokens x (L2/2) bytes of P, so the
//                chunk is still in L2 when the selection reads it; bias + key applied there.
//   2. seg_select  per (token, 4096-latent segment): the C = k + margin best approximate keys
//              (+ up to 32 exact ties at the cut, lower index first).
//   3. merge_select per token: the C best of all segments' candidates;
//      rescore      one warp per candidate: exact pre in double from the stored-dtype W_enc and
//                   the f32 x (16-byte loads when rows are aligned);
//      final_order  per token: contract order (key desc, lower index first), first k written.
// The result equals a double-precision reference unless the approximate error of a key
// exceeds half the gap between the exact k-th and (k+margin)-th keys (see README.md).
#include <mma.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "block_select.cuh"
#include "chunk_plan.h"
#include "cublas_runtime.h"
#include "sae_internal.cuh"

using namespace nvcuda;

namespace lsc {
namespace {

// ---------------------------------------------------------------- x -> bf16 [T_pad, d_pad]
__global__ void convert_x_kernel(const float* __restrict__ x, int T, int d, int d_pad, int64_t total,
                                 __nv_bfloat16* __restrict__ xb) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t t = i / d_pad;
        const int c = (int)(i - t * d_pad);
        xb[i] = __float2bfloat16_rn((t < T && c < d) ? x[t * (int64_t)d + c] : 0.0f);
    }
}

__device__ __forceinline__ float make_key(float pre, int mode) {
    return mode == LLAMA_SAE_ACT_TOPK_ABS ? fabsf(pre) : pre;
}

// ---------------------------------------------------------------- tensor-core scoring
constexpr int TC_BM = 256;  // latents per block (= kRowPad)
constexpr int TC_BN = 128;  // tokens per block
// BK / STAGES are template parameters: <64, 3> (default) and <32, 4> (LLAMA_SAE_CUDA_TC_BK=32).
template <int BK>
__host__ __device__ constexpr int tc_lds() { return BK + 8; }  // smem row stride (bf16): 16B aligned, ldmatrix conflict-free
constexpr int TC_LDC = TC_BM + 4;  // epilogue staging stride (floats)
constexpr size_t TC_EPI_BYTES = (size_t)TC_BN * TC_LDC * sizeof(float);
template <int BK, int STAGES>
constexpr size_t tc_smem() {
    const size_t pipe = (size_t)STAGES * (TC_BM + TC_BN) * tc_lds<BK>() * sizeof(__nv_bfloat16);
    return pipe > TC_EPI_BYTES ? pipe : TC_EPI_BYTES;
}

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
    const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// P[t, f - f0] for latents [f0, f1) and tokens [0, T). W: [F_pad, d_pad], X: [T_pad, d_pad].
template <int TC_BK, int TC_STAGES>
__global__ void __launch_bounds__(256, 1) score_tc_kernel(const __nv_bfloat16* __restrict__ W,
                                                       const __nv_bfloat16* __restrict__ X,
                                                       const float* __restrict__ b_enc, int T, int d_pad, int f0,
                                                       int f1, int mode, float* __restrict__ P, int64_t ldP) {
    constexpr int TC_LDS = tc_lds<TC_BK>();
    constexpr int CPR = TC_BK / 8;  // 16-byte chunks per tile row
    extern __shared__ __align__(128) unsigned char smem_raw[];
    __nv_bfloat16* As = reinterpret_cast<__nv_bfloat16*>(smem_raw);
    __nv_bfloat16* Bs = As + TC_STAGES * TC_BM * TC_LDS;
    const int tid = threadIdx.x, warp = tid >> 5;
    const int fm = f0 + blockIdx.x * TC_BM;
    const int tn = blockIdx.y * TC_BN;
    const __nv_bfloat16* Wt = W + (int64_t)fm * d_pad;
    const __nv_bfloat16* Xt = X + (int64_t)tn * d_pad;

    auto load_stage = [&](int stage, int kt) {
        const int k0 = kt * TC_BK;
#pragma unroll
        for (int i = 0; i < TC_BM * TC_BK / 8 / 256; ++i) {  // 16-byte chunks of the W tile
            const int c = tid + i * 256;
            const int row = c / CPR, col = (c % CPR) * 8;
            cp_async16(As + (stage * TC_BM + row) * TC_LDS + col, Wt + (int64_t)row * d_pad + k0 + col);
        }
#pragma unroll
        for (int i = 0; i < TC_BN * TC_BK / 8 / 256; ++i) {  // 16-byte chunks of the x tile
            const int c = tid + i * 256;
            const int row = c / CPR, col = (c % CPR) * 8;
            cp_async16(Bs + (stage * TC_BN + row) * TC_LDS + col, Xt + (int64_t)row * d_pad + k0 + col);
        }
    };

    // warp tile 64 latents x 64 tokens: 8 fragment loads feed 16 MMAs
    const int wm = warp & 3;   // 64-latent quarter
    const int wn = warp >> 2;  // 64-token half
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    const int nk = d_pad / TC_BK;
#pragma unroll
    for (int s = 0; s < TC_STAGES - 1; ++s) {
        if (s < nk) load_stage(s, s);
        cp_async_commit();
    }
    for (int kt = 0; kt < nk; ++kt) {
        cp_async_wait<TC_STAGES - 2>();
        __syncthreads();
        const int pf = kt + TC_STAGES - 1;
        if (pf < nk) load_stage(pf % TC_STAGES, pf);
        cp_async_commit();
        const int st = kt % TC_STAGES;
#pragma unroll
        for (int kk = 0; kk < TC_BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i)
                wmma::load_matrix_sync(a[i], As + (st * TC_BM + wm * 64 + i * 16) * TC_LDS + kk, TC_LDS);
#pragma unroll
            for (int j = 0; j < 4; ++j)
                wmma::load_matrix_sync(b[j], Bs + (st * TC_BN + wn * 64 + j * 16) * TC_LDS + kk, TC_LDS);
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
    }
    cp_async_wait<0>();
    __syncthreads();
    // Epilogue: stage as [token][latent] so the global write is coalesced along latents.
    float* Cs = reinterpret_cast<float*>(smem_raw);
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
            wmma::store_matrix_sync(Cs + (wn * 64 + j * 16) * TC_LDC + wm * 64 + i * 16, acc[i][j], TC_LDC,
                                    wmma::mem_col_major);
    __syncthreads();
    for (int e = tid; e < TC_BM * TC_BN; e += 256) {
        const int tok = e / TC_BM, lat = e % TC_BM;
        const int t = tn + tok, f = fm + lat;
        if (t < T && f < f1) P[t * ldP + (f - f0)] = make_key(Cs[tok * TC_LDC + lat] + b_enc[f], mode);
    }
}

// ---------------------------------------------------------------- GEMV scoring (few tokens)
constexpr int GEMV_THREADS = 256;
constexpr int GEMV_LAT = 4;  // latents per warp per pass

__device__ __forceinline__ void bf16x8_to_float(const uint4 v, float* f) {
    const unsigned u[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        f[2 * i] = __uint_as_float(u[i] << 16);
        f[2 * i + 1] = __uint_as_float(u[i] & 0xffff0000u);
    }
}

template <int NT>
__device__ __forceinline__ void gemv_step(const uint4 (&w)[GEMV_LAT], const float* xs, int d_pad, int k0,
                                          float (&acc)[NT][GEMV_LAT]) {
    float wf[GEMV_LAT][8];
#pragma unroll
    for (int j = 0; j < GEMV_LAT; ++j) bf16x8_to_float(w[j], wf[j]);
#pragma unroll
    for (int t = 0; t < NT; ++t) {
        const float4 xa = *reinterpret_cast<const float4*>(xs + t * d_pad + k0);
        const float4 xb = *reinterpret_cast<const float4*>(xs + t * d_pad + k0 + 4);
#pragma unroll
        for (int j = 0; j < GEMV_LAT; ++j) {
            float a = acc[t][j];
            a = fmaf(wf[j][0], xa.x, a);
            a = fmaf(wf[j][1], xa.y, a);
            a = fmaf(wf[j][2], xa.z, a);
            a = fmaf(wf[j][3], xa.w, a);
            a = fmaf(wf[j][4], xb.x, a);
            a = fmaf(wf[j][5], xb.y, a);
            a = fmaf(wf[j][6], xb.z, a);
            a = fmaf(wf[j][7], xb.w, a);
            acc[t][j] = a;
        }
    }
}

// P[t0 + t, f - f0] for t < nt (<= NT) and latents [f0, f1) (f0 % 4 == 0). Grid-stride over
// groups of 4 latents, one group per warp; x rows t0.. in shared memory as f32 [NT, d_pad].
template <int NT>
__global__ void __launch_bounds__(GEMV_THREADS) score_gemv_kernel(const __nv_bfloat16* __restrict__ W,
                                                                  const float* __restrict__ x,
                                                                  const float* __restrict__ b_enc, int d, int d_pad,
                                                                  int t0, int nt, int f0, int f1, int mode,
                                                                  float* __restrict__ P, int64_t ldP) {
    extern __shared__ __align__(16) float xs[];
    for (int i = threadIdx.x; i < NT * d_pad; i += GEMV_THREADS) {
        const int t = i / d_pad, c = i - t * d_pad;
        xs[i] = (t < nt && c < d) ? x[(int64_t)(t0 + t) * d + c] : 0.0f;
    }
    __syncthreads();
    const int lane = threadIdx.x & 31;
    const int gw = blockIdx.x * (GEMV_THREADS / 32) + (threadIdx.x >> 5);
    const int nw = gridDim.x * (GEMV_THREADS / 32);
    for (int f = f0 + gw * GEMV_LAT; f < f1; f += nw * GEMV_LAT) {
        float acc[NT][GEMV_LAT];
#pragma unroll
        for (int t = 0; t < NT; ++t)
#pragma unroll
            for (int j = 0; j < GEMV_LAT; ++j) acc[t][j] = 0.0f;
        const __nv_bfloat16* wrow = W + (int64_t)f * d_pad;
        // two 256-column steps per iteration: 8 independent 16-byte loads in flight per lane
        for (int k0 = lane * 8; k0 < d_pad; k0 += 512) {
            uint4 w0[GEMV_LAT], w1[GEMV_LAT];
            const bool has1 = k0 + 256 < d_pad;
#pragma unroll
            for (int j = 0; j < GEMV_LAT; ++j) w0[j] = __ldg(reinterpret_cast<const uint4*>(wrow + (int64_t)j * d_pad + k0));
#pragma unroll
            for (int j = 0; j < GEMV_LAT; ++j)
                w1[j] = has1 ? __ldg(reinterpret_cast<const uint4*>(wrow + (int64_t)j * d_pad + k0 + 256))
                             : make_uint4(0, 0, 0, 0);
            gemv_step<NT>(w0, xs, d_pad, k0, acc);
            if (has1) gemv_step<NT>(w1, xs, d_pad, k0 + 256, acc);
        }
#pragma unroll
        for (int t = 0; t < NT; ++t)
#pragma unroll
            for (int j = 0; j < GEMV_LAT; ++j) {
                float v = acc[t][j];
#pragma unroll
                for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
                if (lane == ((t * GEMV_LAT + j) & 31) && t < nt && f + j < f1)
                    P[(int64_t)(t0 + t) * ldP + (f + j - f0)] = make_key(v + b_enc[f + j], mode);
            }
    }
}

// ---------------------------------------------------------------- selection kernels
// Candidates of (token t0 + t, segment): block (t, s) of a chunk [f0, f1) x [t0, t0 + gridDim.x).
// P holds keys (WMMA/GEMV paths), or raw dot products when `raw` (cuBLAS path): the bias and the
// key of the mode are then applied here, in the one pass that reads P.
__global__ void __launch_bounds__(kSelectThreads) seg_select_kernel(const float* __restrict__ P, int64_t ldP, int f0,
                                                                    int f1, int t0, int seg0, int nseg, int C, int Ccap,
                                                                    int raw, const float* __restrict__ b_enc, int mode,
                                                                    uint32_t* __restrict__ ck, int32_t* __restrict__ ci) {
    __shared__ uint32_t keys[kSegment];
    __shared__ SelectShared sh;
    const int t = blockIdx.x, s = blockIdx.y;
    const int fs = f0 + s * kSegment;
    const int n = min(kSegment, f1 - fs);
    const float* row = P + t * ldP + (fs - f0);
    if (raw) {
        for (int i = threadIdx.x; i < n; i += kSelectThreads) keys[i] = order_key(make_key(row[i] + b_enc[fs + i], mode));
    } else {
        for (int i = threadIdx.x; i < n; i += kSelectThreads) keys[i] = order_key(row[i]);
    }
    __syncthreads();
    const int64_t out = ((int64_t)(t0 + t) * nseg + seg0 + s) * Ccap;
    block_select(keys, nullptr, fs, n, C, Ccap, ck + out, ci + out, sh);
}

// Per token: the C best candidates of all segments (approximate keys) -> sel [T, Ccap].
__global__ void __launch_bounds__(kSelectThreads) merge_select_kernel(const uint32_t* __restrict__ ck,
                                                                      const int32_t* __restrict__ ci, int nseg, int C,
                                                                      int Ccap, int32_t* __restrict__ sel) {
    extern __shared__ __align__(128) unsigned char smem_raw[];
    __shared__ SelectShared sh;
    const int n_all = nseg * Ccap;
    uint32_t* all_key = reinterpret_cast<uint32_t*>(smem_raw);         // [n_all]
    int32_t* all_idx = reinterpret_cast<int32_t*>(all_key + n_all);    // [n_all]
    uint32_t* sel_key = reinterpret_cast<uint32_t*>(all_idx + n_all);  // [Ccap]
    int32_t* sel_idx = reinterpret_cast<int32_t*>(sel_key + Ccap);     // [Ccap]
    const int t = blockIdx.x, tid = threadIdx.x;
    const int64_t base = (int64_t)t * n_all;
    for (int i = tid; i < n_all; i += kSelectThreads) {
        all_key[i] = ck[base + i];
        all_idx[i] = ci[base + i];
    }
    __syncthreads();
    block_select(all_key, all_idx, 0, n_all, C, Ccap, sel_key, sel_idx, sh);
    for (int i = tid; i < Ccap; i += kSelectThreads) sel[(int64_t)t * Ccap + i] = sel_idx[i];
}

// Double-precision dot of W row f (storage dtype) with the f32 row x, reduced over the warp.
// Vector path (16-byte loads, all in flight at once) when the row is 16-byte aligned.
__device__ __forceinline__ double warp_dot_exact(const void* W, int dtype, bool x_aligned, int64_t f, int d,
                                                 const float* __restrict__ x, int lane) {
    double a0 = 0.0, a1 = 0.0;
    if (x_aligned && dtype != LLAMA_SAE_CUDA_DTYPE_F32 && (d & 7) == 0) {
        const uint4* row = reinterpret_cast<const uint4*>(static_cast<const uint16_t*>(W) + f * d);
        const int nv = d >> 3;
#pragma unroll 4
        for (int v = lane; v < nv; v += 32) {
            const uint4 w = __ldg(row + v);
            const float4 xa = __ldg(reinterpret_cast<const float4*>(x) + 2 * v);
            const float4 xb = __ldg(reinterpret_cast<const float4*>(x) + 2 * v + 1);
            const unsigned u[4] = {w.x, w.y, w.z, w.w};
            float wf[8];
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                if (dtype == LLAMA_SAE_CUDA_DTYPE_BF16) {
                    wf[2 * q] = __uint_as_float(u[q] << 16);
                    wf[2 * q + 1] = __uint_as_float(u[q] & 0xffff0000u);
                } else {
                    const __half2 h = *reinterpret_cast<const __half2*>(&u[q]);
                    const float2 g = __half22float2(h);
                    wf[2 * q] = g.x;
                    wf[2 * q + 1] = g.y;
                }
            }
            a0 = fma((double)wf[0], (double)xa.x, a0);
            a1 = fma((double)wf[1], (double)xa.y, a1);
            a0 = fma((double)wf[2], (double)xa.z, a0);
            a1 = fma((double)wf[3], (double)xa.w, a1);
            a0 = fma((double)wf[4], (double)xb.x, a0);
            a1 = fma((double)wf[5], (double)xb.y, a1);
            a0 = fma((double)wf[6], (double)xb.z, a0);
            a1 = fma((double)wf[7], (double)xb.w, a1);
        }
    } else if (x_aligned && dtype == LLAMA_SAE_CUDA_DTYPE_F32 && (d & 3) == 0) {
        const float4* row = reinterpret_cast<const float4*>(static_cast<const float*>(W) + f * d);
        const int nv = d >> 2;
#pragma unroll 4
        for (int v = lane; v < nv; v += 32) {
            const float4 w = __ldg(row + v);
            const float4 xa = __ldg(reinterpret_cast<const float4*>(x) + v);
            a0 = fma((double)w.x, (double)xa.x, a0);
            a1 = fma((double)w.y, (double)xa.y, a1);
            a0 = fma((double)w.z, (double)xa.z, a0);
            a1 = fma((double)w.w, (double)xa.w, a1);
        }
    } else {
        const size_t rb = (size_t)f * d;
#pragma unroll 4
        for (int i = lane; i < d; i += 32) a0 = fma((double)load_weight(W, dtype, rb + i), (double)__ldg(x + i), a0);
    }
    double acc = a0 + a1;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
    return acc;
}

// Exact re-score: one warp per candidate; grid (T, ceil(Ccap / 8)).
__global__ void __launch_bounds__(256) rescore_kernel(const int32_t* __restrict__ sel, int Ccap,
                                                      const float* __restrict__ x, int d, const void* __restrict__ W,
                                                      int dtype, const float* __restrict__ b_enc, int mode,
                                                      double* __restrict__ ex_key, float* __restrict__ ex_val) {
    const int t = blockIdx.x, lane = threadIdx.x & 31;
    const int j = blockIdx.y * 8 + (threadIdx.x >> 5);
    if (j >= Ccap) return;
    const int64_t o = (int64_t)t * Ccap + j;
    const int f = sel[o];
    if (f < 0) {
        if (lane == 0) {
            ex_key[o] = -INFINITY;
            ex_val[o] = 0.0f;
        }
        return;
    }
    // x rows are 16-byte aligned when d % 4 == 0 (cudaMalloc'd base assumed for the vector path)
    const float* xr = x + (int64_t)t * d;
    const bool xal = ((reinterpret_cast<uintptr_t>(xr) & 15) == 0);
    const double dot = warp_dot_exact(W, dtype, xal, f, d, xr, lane);
    if (lane == 0) {
        const double pre = dot + (double)b_enc[f];
        double key = mode == LLAMA_SAE_ACT_TOPK_ABS ? fabs(pre) : pre;
        if (key != key) key = -INFINITY;
        ex_key[o] = key;
        ex_val[o] = (float)(mode == LLAMA_SAE_ACT_TOPK_ABS ? pre : (pre > 0.0 ? pre : 0.0));
    }
}

// Per token: contract order (exact key desc, lower index first), first k written.
__global__ void __launch_bounds__(256) final_order_kernel(const int32_t* __restrict__ sel, const double* __restrict__ ex_key,
                                                          const float* __restrict__ ex_val, int Ccap, int F, int k,
                                                          int32_t* __restrict__ idx_out, float* __restrict__ val_out) {
    extern __shared__ __align__(128) unsigned char smem_raw[];
    double* key = reinterpret_cast<double*>(smem_raw);  // [Ccap]
    int64_t* tie = reinterpret_cast<int64_t*>(key + Ccap);  // [Ccap]
    const int t = blockIdx.x, tid = threadIdx.x;
    for (int j = tid; j < Ccap; j += 256) {
        const int f = sel[(int64_t)t * Ccap + j];
        key[j] = ex_key[(int64_t)t * Ccap + j];
        tie[j] = f >= 0 ? f : (int64_t)F + j;  // padding sorts after every real latent of equal key
    }
    __syncthreads();
    for (int j = tid; j < Ccap; j += 256) {
        const double kj = key[j];
        const int64_t tj = tie[j];
        int rank = 0;
        for (int i = 0; i < Ccap; ++i) rank += (key[i] > kj) || (key[i] == kj && tie[i] < tj);
        if (rank < k) {
            const bool real = tj < F;
            idx_out[(int64_t)t * k + rank] = real ? (int32_t)tj : -1;
            val_out[(int64_t)t * k + rank] = real ? ex_val[(int64_t)t * Ccap + j] : 0.0f;
        }
    }
}

// BK = 64, 3 stages is the default (H200, 2026-11-24: 5-7 % faster than BK = 32, 4 stages;
// both pass the tests); LLAMA_SAE_CUDA_TC_BK=32 switches back (read once).
bool tc_bk64() {
    static const bool v = [] {
        const char* e = std::getenv("LLAMA_SAE_CUDA_TC_BK");
        return !(e && std::atoi(e) == 32);
    }();
    return v;
}

// ---------------------------------------------------------------- planning
constexpr int64_t kPBudget = 16 << 20;  // f32 elements of one chunk's P block on the WMMA/GEMV paths (64 MiB)
constexpr int kGemvMaxTokens = 8;       // AUTO: GEMV up to this many rows (H200: TC faster at 16)
constexpr int kCublasTokens = 512;      // cuBLAS path: tokens per chunk (GEMM n), so P fits in L2 at d = 2048
constexpr size_t kCublasWorkspace = 32u << 20;  // cuBLAS's own workspace (set once: no allocation in graph capture)

enum class Path { gemv, tc, cublas };

// f32 elements of one chunk of P on the cuBLAS path: half the L2 (the other half holds the streamed
// W_enc and x tiles), unless LLAMA_SAE_CUDA_P_BUDGET_MB says otherwise (tuning runs).
int64_t cublas_p_budget(const llama_sae_cuda_sae* s) {
    static const int64_t mb = [] {
        const char* e = std::getenv("LLAMA_SAE_CUDA_P_BUDGET_MB");
        return e ? (int64_t)std::atoll(e) : (int64_t)0;
    }();
    const int64_t bytes = mb > 0 ? (mb << 20) : (int64_t)(s->l2_bytes ? s->l2_bytes / 2 : (24u << 20));
    return std::max<int64_t>(bytes / 4, kSegment);
}

struct Plan {
    Path path = Path::gemv;
    int T = 0, k = 0, C = 0, Ccap = 0, nseg = 0, Fc = 0, Tc = 0, T_pad = 0;
    size_t off_ck = 0, off_ci = 0, off_xb = 0, off_sel = 0, off_exk = 0, off_exv = 0, total = 0;
    size_t merge_smem = 0, order_smem = 0;
};

Plan make_plan(const llama_sae_cuda_sae* s, int T, int k, Path path) {
    Plan p;
    p.path = path;
    p.T = T;
    p.k = k;
    p.C = std::min(k + s->margin, s->F);
    p.Ccap = p.C + kTieSlack;
    p.nseg = (s->F + kSegment - 1) / kSegment;
    // Chunks of P (chunk_plan.h): all tokens at once on the GEMV/WMMA paths, <= 512 on cuBLAS.
    const ChunkShape cs = chunk_shape(T, s->F, path == Path::cublas ? kCublasTokens : 0,
                                      path == Path::cublas ? cublas_p_budget(s) : kPBudget, kSegment);
    p.Tc = cs.Tc;
    p.Fc = cs.Fc;
    p.T_pad = (int)round_up(T, TC_BN);
    size_t off = (size_t)round_up((int64_t)p.Tc * p.Fc * 4, 256);
    const size_t cand = (size_t)round_up((int64_t)T * p.nseg * p.Ccap * 4, 256);
    p.off_ck = off;
    off += cand;
    p.off_ci = off;
    off += cand;
    p.off_sel = off;
    off += (size_t)round_up((int64_t)T * p.Ccap * 4, 256);
    p.off_exk = off;
    off += (size_t)round_up((int64_t)T * p.Ccap * 8, 256);
    p.off_exv = off;
    off += (size_t)round_up((int64_t)T * p.Ccap * 4, 256);
    p.off_xb = off;
    if (path != Path::gemv) off += (size_t)round_up((int64_t)p.T_pad * s->d_pad * 2, 256);
    p.total = off;
    p.merge_smem = (size_t)p.nseg * p.Ccap * 8 + (size_t)p.Ccap * 8;
    p.order_smem = (size_t)p.Ccap * 16;
    return p;
}

// The path of an encode of T rows (the handle's forced path, else AUTO's choice).
Path choose_path(const llama_sae_cuda_sae* s, int T) {
    if (s->path == LLAMA_SAE_CUDA_PATH_GEMV) return Path::gemv;
    if (s->path == LLAMA_SAE_CUDA_PATH_TENSOR_CORE) return Path::tc;
    if (s->path == LLAMA_SAE_CUDA_PATH_CUBLAS) return Path::cublas;
    if (T <= kGemvMaxTokens) return Path::gemv;
    return cublas::api(nullptr) ? Path::cublas : Path::tc;
}

// The handle's cuBLAS handle, with its fixed workspace (created once).
int32_t ensure_cublas(llama_sae_cuda_sae* s, const cublas::Api*& api) {
    std::string why;
    api = cublas::api(&why);
    if (!api) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "cuBLAS path unavailable: %s", why.c_str());
    if (s->cublas) return LLAMA_SAE_CUDA_OK;
    if (!s->cublas_ws) LSC_CHECK(cudaMalloc(&s->cublas_ws, kCublasWorkspace));
    void* h = nullptr;
    int st = api->create(&h);
    if (st != cublas::kStatusSuccess) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_CUDA, "cublasCreate failed with status %d", st);
    st = api->set_workspace(h, s->cublas_ws, kCublasWorkspace);
    if (st != cublas::kStatusSuccess) {
        api->destroy(h);
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_CUDA, "cublasSetWorkspace failed with status %d", st);
    }
    s->cublas = h;
    return LLAMA_SAE_CUDA_OK;
}

int32_t ensure_workspace(llama_sae_cuda_sae* s, size_t bytes) {
    if (bytes <= s->ws_bytes) return LLAMA_SAE_CUDA_OK;
    if (s->ws) {
        LSC_CHECK(cudaDeviceSynchronize());
        LSC_CHECK(cudaFree(s->ws));
        s->ws = nullptr;
        s->ws_bytes = 0;
    }
    LSC_CHECK(cudaMalloc(&s->ws, bytes));
    s->ws_bytes = bytes;
    return LLAMA_SAE_CUDA_OK;
}

// Largest power-of-two token group (<= 16) whose f32 x block fits in shared memory.
// 8, not 16: at NT = 16 the kernel needs 190 registers and 128 KiB of x per block (d = 2048),
// one block per SM, and measured 2.6x slower than NT = 8 on the H200 (318 vs 121 us, F = 65536).
int gemv_group(const llama_sae_cuda_sae* s) {
    int g = 8;
    while (g > 1 && (size_t)g * s->d_pad * 4 > s->smem_optin) g >>= 1;
    return g;
}

template <int NT>
int32_t launch_gemv_t(const llama_sae_cuda_sae* s, const float* x, int t0, int nt, int f0, int f1, int mode, float* P,
                      int64_t ldP, cudaStream_t st) {
    const size_t smem = (size_t)NT * s->d_pad * sizeof(float);
    if (smem > s->smem_optin)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "d = %d too large for the GEMV path", s->d);
    // attribute + occupancy are cached per instantiation (host overhead would show at T = 1)
    static size_t configured = 0;
    static int per_sm = 0;
    if (configured != smem) {
        LSC_CHECK(cudaFuncSetAttribute(score_gemv_kernel<NT>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        LSC_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, score_gemv_kernel<NT>, GEMV_THREADS, smem));
        configured = smem;
    }
    const int groups = (f1 - f0 + GEMV_LAT - 1) / GEMV_LAT;
    const int warps_per_block = GEMV_THREADS / 32;
    const int grid = std::max(1, std::min(std::max(per_sm, 1) * s->num_sms, (groups + warps_per_block - 1) / warps_per_block));
    score_gemv_kernel<NT><<<grid, GEMV_THREADS, smem, st>>>(s->w_enc_bf16, x, s->b_enc, s->d, s->d_pad, t0, nt, f0,
                                                             f1, mode, P, ldP);
    LSC_CHECK_LAUNCH();
    return LLAMA_SAE_CUDA_OK;
}

int32_t launch_gemv(const llama_sae_cuda_sae* s, const float* x, int T, int f0, int f1, int mode, float* P,
                    int64_t ldP, cudaStream_t st) {
    const int g = gemv_group(s);
    for (int t0 = 0; t0 < T; t0 += g) {
        const int nt = std::min(g, T - t0);
        int32_t r;
        if (nt <= 1) r = launch_gemv_t<1>(s, x, t0, nt, f0, f1, mode, P, ldP, st);
        else if (nt <= 2) r = launch_gemv_t<2>(s, x, t0, nt, f0, f1, mode, P, ldP, st);
        else if (nt <= 4) r = launch_gemv_t<4>(s, x, t0, nt, f0, f1, mode, P, ldP, st);
        else r = launch_gemv_t<8>(s, x, t0, nt, f0, f1, mode, P, ldP, st);
        if (r != LLAMA_SAE_CUDA_OK) return r;
    }
    return LLAMA_SAE_CUDA_OK;
}

}  // namespace
}  // namespace lsc

using namespace lsc;

extern "C" int32_t llama_sae_cuda_sae_reserve(llama_sae_cuda_sae* s, int32_t max_rows, int32_t max_k) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (max_rows < 1 || max_k < 1 || max_k > std::min(s->F, LLAMA_SAE_CUDA_MAX_K))
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected max_rows >= 1 and 1 <= max_k <= %d but found %d, %d",
                        std::min(s->F, LLAMA_SAE_CUDA_MAX_K), max_rows, max_k);
    size_t need = 0;
    for (int T = 1; T <= max_rows; T = (T < max_rows ? std::min(max_rows, T * 2) : max_rows + 1))
        need = std::max({need, make_plan(s, T, max_k, Path::gemv).total, make_plan(s, T, max_k, Path::tc).total,
                         make_plan(s, T, max_k, Path::cublas).total});
    if (cublas::api(nullptr) && s->path != LLAMA_SAE_CUDA_PATH_GEMV && s->path != LLAMA_SAE_CUDA_PATH_TENSOR_CORE) {
        const cublas::Api* api = nullptr;
        const int32_t r = ensure_cublas(s, api);
        if (r != LLAMA_SAE_CUDA_OK) return r;
    }
    return ensure_workspace(s, need);
}

extern "C" int32_t llama_sae_cuda_encode(llama_sae_cuda_sae* s, const float* x, int32_t T, int32_t k, int32_t mode,
                                         int32_t* idx_out, float* val_out, void* stream) {
    return lsc::encode_impl(s, x, T, k, mode, idx_out, val_out, stream, lsc::EncodeStages::all);
}

int32_t lsc::encode_impl(llama_sae_cuda_sae* s, const float* x, int32_t T, int32_t k, int32_t mode, int32_t* idx_out,
                         float* val_out, void* stream, EncodeStages stages) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (T < 0) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_rows >= 0 but found %d", T);
    if (T == 0) return LLAMA_SAE_CUDA_OK;
    if (!x || !idx_out || !val_out) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "x, idx and val must be non-NULL");
    if (k < 1 || k > s->F || k > LLAMA_SAE_CUDA_MAX_K)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected 1 <= k <= min(F=%d, %d) but found %d", s->F,
                        LLAMA_SAE_CUDA_MAX_K, k);
    if (mode != LLAMA_SAE_ACT_TOPK_RELU && mode != LLAMA_SAE_ACT_TOPK_ABS)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "mode %d: only topk-relu (0) and topk-abs (1) run on the GPU", mode);
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const Path path = choose_path(s, T);
    const Plan p = make_plan(s, T, k, path);
    if (p.merge_smem + sizeof(SelectShared) > s->smem_optin || p.order_smem > s->smem_optin)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "candidate merge needs %zu bytes of shared memory (> %zu)",
                        p.merge_smem, s->smem_optin);
    const cublas::Api* api = nullptr;
    int32_t r = LLAMA_SAE_CUDA_OK;
    if (path == Path::cublas && (r = ensure_cublas(s, api)) != LLAMA_SAE_CUDA_OK) return r;
    r = ensure_workspace(s, p.total);
    if (r != LLAMA_SAE_CUDA_OK) return r;
    unsigned char* ws = static_cast<unsigned char*>(s->ws);
    float* P = reinterpret_cast<float*>(ws);
    uint32_t* ck = reinterpret_cast<uint32_t*>(ws + p.off_ck);
    int32_t* ci = reinterpret_cast<int32_t*>(ws + p.off_ci);
    __nv_bfloat16* xb = reinterpret_cast<__nv_bfloat16*>(ws + p.off_xb);
    if (path != Path::gemv) {
        const int64_t total = (int64_t)p.T_pad * s->d_pad;
        const int grid = (int)std::min<int64_t>((total + 255) / 256, (int64_t)s->num_sms * 16);
        convert_x_kernel<<<grid, 256, 0, st>>>(x, T, s->d, s->d_pad, total, xb);
        LSC_CHECK_LAUNCH();
    }
    if (path == Path::tc) {
        static int tc_configured = 0;
        if (!tc_configured) {
            LSC_CHECK(cudaFuncSetAttribute(score_tc_kernel<32, 4>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           (int)tc_smem<32, 4>()));
            LSC_CHECK(cudaFuncSetAttribute(score_tc_kernel<64, 3>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           (int)tc_smem<64, 3>()));
            tc_configured = 1;
        }
    }
    if (path == Path::cublas) {
        const int cs = api->set_stream(s->cublas, st);
        if (cs != cublas::kStatusSuccess) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_CUDA, "cublasSetStream failed with status %d", cs);
    }
    // Chunks of P: tokens [t0, t1) x latents [f0, f1); scoring writes the chunk, one selection pass
    // reads it (from L2 on the cuBLAS path) and keeps each segment's candidates.
    for (int t0 = 0; t0 < T; t0 += p.Tc) {
        const int t1 = std::min(T, t0 + p.Tc);
        for (int f0 = 0; f0 < s->F; f0 += p.Fc) {
            const int f1 = std::min(s->F, f0 + p.Fc);
            if (path == Path::cublas) {
                // raw dot products W_bf16[f] . x_bf16[t] (the bias and the key come in the selection pass)
                const int gs = cublas::gemm_bf16_rows(*api, s->cublas, reinterpret_cast<const uint16_t*>(s->w_enc_bf16),
                                                      s->d_pad, f0, f1 - f0,
                                                      reinterpret_cast<const uint16_t*>(xb) + (int64_t)t0 * s->d_pad,
                                                      s->d_pad, t1 - t0, s->d_pad, P, p.Fc);
                if (gs != cublas::kStatusSuccess)
                    return LSC_FAIL(LLAMA_SAE_CUDA_ERR_CUDA, "cublasGemmEx failed with status %d (m=%d n=%d k=%d)", gs,
                                    f1 - f0, t1 - t0, s->d_pad);
            } else if (path == Path::tc) {
                dim3 grid((f1 - f0 + TC_BM - 1) / TC_BM, p.T_pad / TC_BN);
                if (tc_bk64())
                    score_tc_kernel<64, 3><<<grid, 256, tc_smem<64, 3>(), st>>>(s->w_enc_bf16, xb, s->b_enc, T, s->d_pad,
                                                                               f0, f1, mode, P, p.Fc);
                else
                    score_tc_kernel<32, 4><<<grid, 256, tc_smem<32, 4>(), st>>>(s->w_enc_bf16, xb, s->b_enc, T, s->d_pad,
                                                                               f0, f1, mode, P, p.Fc);
                LSC_CHECK_LAUNCH();
            } else {
                r = launch_gemv(s, x, T, f0, f1, mode, P, p.Fc, st);
                if (r != LLAMA_SAE_CUDA_OK) return r;
            }
            if (stages == EncodeStages::score_only) continue;
            dim3 sgrid(t1 - t0, (f1 - f0 + kSegment - 1) / kSegment);
            seg_select_kernel<<<sgrid, kSelectThreads, 0, st>>>(P, p.Fc, f0, f1, t0, f0 / kSegment, p.nseg, p.C, p.Ccap,
                                                                path == Path::cublas, s->b_enc, mode, ck, ci);
            LSC_CHECK_LAUNCH();
        }
    }
    if (stages == EncodeStages::score_only) return LLAMA_SAE_CUDA_OK;
    int32_t* sel = reinterpret_cast<int32_t*>(ws + p.off_sel);
    double* exk = reinterpret_cast<double*>(ws + p.off_exk);
    float* exv = reinterpret_cast<float*>(ws + p.off_exv);
    static size_t merge_configured = 0, order_configured = 0;
    if (p.merge_smem > merge_configured) {
        LSC_CHECK(cudaFuncSetAttribute(merge_select_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)p.merge_smem));
        merge_configured = p.merge_smem;
    }
    if (p.order_smem > order_configured) {
        LSC_CHECK(cudaFuncSetAttribute(final_order_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)p.order_smem));
        order_configured = p.order_smem;
    }
    merge_select_kernel<<<T, kSelectThreads, p.merge_smem, st>>>(ck, ci, p.nseg, p.C, p.Ccap, sel);
    LSC_CHECK_LAUNCH();
    rescore_kernel<<<dim3(T, (p.Ccap + 7) / 8), 256, 0, st>>>(sel, p.Ccap, x, s->d, s->w_enc, s->dtype, s->b_enc, mode, exk,
                                                             exv);
    LSC_CHECK_LAUNCH();
    final_order_kernel<<<T, 256, p.order_smem, st>>>(sel, exk, exv, p.Ccap, s->F, k, idx_out, val_out);
    LSC_CHECK_LAUNCH();
    return LLAMA_SAE_CUDA_OK;
}
