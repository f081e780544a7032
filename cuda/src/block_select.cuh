// Block-wide "top C of n keys" selection (radix select on 32-bit order-preserving keys).
//
// keys: [n] uint32 (larger = better), in shared or global memory. Writes exactly `cap` slots
// (cap >= C): every key above the C-th largest, then keys EQUAL to the C-th largest in
// ascending position order (so lower latent indices win ties) up to cap, then padding
// (key 0, index -1). When the radix bin holding the C-th largest fits entirely in cap after an
// early pass, the whole bin is taken instead (a superset of the top C with no tie cut).
// When n <= cap everything is copied. Must be called by all 256 threads.
#pragma once

#include <cstdint>

namespace lsc {

constexpr int kSelectThreads = 256;

struct SelectShared {
    unsigned hist[256];
    unsigned warp_cnt[8];
    unsigned prefix, remaining, above_pos, eq_base, bin_count;
};

// Float -> uint32 with the same order (NaN maps to 0, the smallest key).
__device__ __forceinline__ uint32_t order_key(float f) {
    if (f != f) return 0u;
    uint32_t u = __float_as_uint(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// idx == nullptr: the latent index of position i is base + i.
__device__ void block_select(const uint32_t* keys, const int32_t* idx, int base, int n, int C, int cap,
                             uint32_t* out_key, int32_t* out_idx, SelectShared& sh) {
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    if (n <= cap) {
        for (int i = tid; i < cap; i += kSelectThreads) {
            if (i < n) {
                out_key[i] = keys[i];
                out_idx[i] = idx ? idx[i] : base + i;
            } else {
                out_key[i] = 0u;
                out_idx[i] = -1;
            }
        }
        __syncthreads();
        return;
    }
    // Radix select, most significant byte first: find the key of the C-th largest element.
    if (tid == 0) {
        sh.prefix = 0u;
        sh.remaining = (unsigned)C;
    }
    unsigned mask = 0u;
    for (int pass = 0; pass < 4; ++pass) {
        const int shift = 24 - 8 * pass;
        sh.hist[tid] = 0u;
        __syncthreads();
        const unsigned prefix = sh.prefix;
        // warp-aggregated histogram: keys cluster in few bins (shared sign/exponent bytes), so
        // plain shared atomics would serialize up to 32-way
        for (int i0 = 0; i0 < n; i0 += kSelectThreads) {
            const int i = i0 + tid;
            const uint32_t u = i < n ? keys[i] : 0u;
            const bool m = i < n && (u & mask) == prefix;
            const unsigned digit = (u >> shift) & 255u;
            const unsigned act = __ballot_sync(0xffffffffu, m);
            if (m) {
                const unsigned peers = __match_any_sync(act, digit);
                if (lane == __ffs(peers) - 1) atomicAdd(&sh.hist[digit], (unsigned)__popc(peers));
            }
        }
        __syncthreads();
        if (warp == 0) {
            // lane l owns digits 255-8l .. 248-8l (descending), scan from the top digit down
            unsigned c[8], lsum = 0u;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                c[j] = sh.hist[255 - lane * 8 - j];
                lsum += c[j];
            }
            unsigned incl = lsum;
#pragma unroll
            for (int off = 1; off < 32; off <<= 1) {
                const unsigned v = __shfl_up_sync(0xffffffffu, incl, off);
                if (lane >= off) incl += v;
            }
            const unsigned excl = incl - lsum;
            const unsigned r = sh.remaining;
            if (excl < r && r <= incl) {
                unsigned cum = excl;
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    if (cum + c[j] >= r) {
                        sh.prefix = prefix | ((unsigned)(255 - lane * 8 - j) << shift);
                        sh.remaining = r - cum;
                        sh.bin_count = c[j];
                        break;
                    }
                    cum += c[j];
                }
            }
        }
        __syncthreads();
        mask |= 255u << shift;
        // Early exit: when every key in the threshold bin fits, take the whole bin (a superset
        // of the top C, ties included, so no tie is cut). Usually true after 2 passes.
        if (pass < 3) {
            // (bin_count, not hist[]: a fast thread may already be zeroing hist for the next pass)
            if ((unsigned)(C - (int)sh.remaining) + sh.bin_count <= (unsigned)cap) break;
        }
    }
    const uint32_t thr = sh.prefix;             // threshold at resolution `mask`
    const int n_above = C - (int)sh.remaining;  // keys whose masked value is above thr: all kept
    const int cap_eq = cap - n_above;           // slots left for keys in thr's bin
    __syncthreads();
    if (tid == 0) sh.above_pos = 0u;
    // Ordered compaction without block barriers per key chunk: warp w owns the contiguous
    // positions [w*span, (w+1)*span); pass 1 counts its bin keys, pass 2 writes them in
    // position order after the bin keys of the warps before it (ties: lower position first).
    const int span = ((n + 7) / 8 + 31) / 32 * 32;
    const int lo = warp * span, hi = min(n, lo + span);
    unsigned cnt = 0u;
    for (int i0 = lo; i0 < hi; i0 += 32) {
        const int i = i0 + lane;
        const bool eq = i < hi && (keys[i] & mask) == thr;
        cnt += __popc(__ballot_sync(0xffffffffu, eq));
    }
    if (lane == 0) sh.warp_cnt[warp] = cnt;
    __syncthreads();
    unsigned off = 0u, eq_total = 0u;
    for (int w = 0; w < 8; ++w) {
        off += w < warp ? sh.warp_cnt[w] : 0u;
        eq_total += sh.warp_cnt[w];
    }
    for (int i0 = lo; i0 < hi; i0 += 32) {
        const int i = i0 + lane;
        const uint32_t u = i < hi ? keys[i] : 0u;
        const bool above = i < hi && (u & mask) > thr;
        const bool eq = i < hi && (u & mask) == thr;
        if (above) {
            const unsigned p = atomicAdd(&sh.above_pos, 1u);
            out_key[p] = u;
            out_idx[p] = idx ? idx[i] : base + i;
        }
        const unsigned bal = __ballot_sync(0xffffffffu, eq);
        const unsigned pos = off + __popc(bal & ((1u << lane) - 1u));
        if (eq && (int)pos < cap_eq) {
            out_key[n_above + pos] = u;
            out_idx[n_above + pos] = idx ? idx[i] : base + i;
        }
        off += __popc(bal);
    }
    if (tid == 0) sh.eq_base = eq_total;
    __syncthreads();
    const int n_eq = (int)sh.eq_base < cap_eq ? (int)sh.eq_base : cap_eq;
    for (int i = n_above + n_eq + tid; i < cap; i += kSelectThreads) {
        out_key[i] = 0u;
        out_idx[i] = -1;
    }
    __syncthreads();
}

}  // namespace lsc
