// Sparse edit of SAE codes + residual update (error-preserving or reconstruction) + steering.
//
// One block per row. The row's touched latents are laid out in fixed slots (so the fp32
// summation order, and therefore the result, is deterministic):
//   [0, k)            the code's latents: coefficient z'_f - z_f (or z'_f in reconstruction)
//   [k, 2k)           swap partners that are NOT in the code (z'_p = z_f of their partner)
//   [2k, 2k+MC)       clamp latents that are NOT in the code (z'_f = clamp value)
//   [2k+MC, +MS)      steers (alpha)
// Only rows with a non-zero coefficient are written in error-preserving mode, so untouched
// rows stay bit-identical; only the touched W_dec rows are read.
#include <algorithm>
#include <cmath>

#include "sae_internal.cuh"

namespace lsc {
namespace {

constexpr int kEditThreads = 256;
constexpr int kMC = LLAMA_SAE_CUDA_MAX_CLAMPS;
constexpr int kMS = LLAMA_SAE_CUDA_MAX_STEERS;
// Per-latent op table entry of a latent without a SCALE/CLAMP/SWAP edit (the ops are numbered from 0
// in llama_sae_kinds.h, so "none" is -1; the table is memset to 0xff).
constexpr int8_t kNoEdit = -1;

__device__ __forceinline__ int find_in_code(const int32_t* code_idx, int k, int f) {
    for (int j = 0; j < k; ++j)
        if (code_idx[j] == f) return j;
    return -1;
}

__global__ void __launch_bounds__(kEditThreads) apply_edits_kernel(
    float* __restrict__ x, int d, int k, const int32_t* __restrict__ idx, const float* __restrict__ val,
    const int8_t* __restrict__ op, const float* __restrict__ arg, const int32_t* __restrict__ partner,
    const int32_t* __restrict__ lists, const float* __restrict__ steer_alpha, const void* __restrict__ w_dec,
    int dtype, const float* __restrict__ b_dec, int F, int mode) {
    extern __shared__ __align__(128) unsigned char smem_raw[];
    const int n_slots = 2 * k + kMC + kMS;
    float* coef = reinterpret_cast<float*>(smem_raw);          // [n_slots]
    float* code_val = coef + n_slots;                           // [k]
    int32_t* lat = reinterpret_cast<int32_t*>(code_val + k);    // [n_slots]
    int32_t* code_idx = lat + n_slots;                          // [k], then the compacted slots
    const int t = blockIdx.x, tid = threadIdx.x;
    const bool ep = mode == LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING;
    for (int j = tid; j < k; j += kEditThreads) {
        const int f = idx[(int64_t)t * k + j];
        code_idx[j] = (f >= 0 && f < F) ? f : -1;
        code_val[j] = val[(int64_t)t * k + j];
    }
    __syncthreads();
    bool nonzero = false;
    for (int j = tid; j < k; j += kEditThreads) {
        const int f = code_idx[j];
        lat[k + j] = -1;
        coef[k + j] = 0.0f;
        lat[j] = f;
        if (f < 0) {
            coef[j] = 0.0f;
            continue;
        }
        const float z = code_val[j];
        float zp = z;
        const int o = op ? op[f] : kNoEdit;
        if (o == LLAMA_SAE_EDIT_SCALE) {
            zp = arg[f] * z;
        } else if (o == LLAMA_SAE_EDIT_CLAMP) {
            zp = arg[f];
        } else if (o == LLAMA_SAE_EDIT_SWAP) {
            const int p = partner[f];
            const int jp = find_in_code(code_idx, k, p);
            zp = jp >= 0 ? code_val[jp] : 0.0f;
            if (jp < 0) {  // partner inactive: it receives z_f (z_p was 0)
                lat[k + j] = p;
                coef[k + j] = z;
                nonzero |= z != 0.0f;
            }
        }
        coef[j] = ep ? zp - z : zp;
        nonzero |= coef[j] != 0.0f;
    }
    const int n_clamp = lists ? lists[0] : 0;
    const int n_steer = lists ? lists[1] : 0;
    for (int c = tid; c < kMC; c += kEditThreads) {
        int f = -1;
        float cf = 0.0f;
        if (c < n_clamp) {
            const int g = lists[2 + c];
            if (find_in_code(code_idx, k, g) < 0) {
                f = g;
                cf = arg[g];  // z'_f = v, z_f = 0: same coefficient in both modes
            }
        }
        lat[2 * k + c] = f;
        coef[2 * k + c] = cf;
        nonzero |= cf != 0.0f;
    }
    for (int s = tid; s < kMS; s += kEditThreads) {
        const bool on = s < n_steer;
        lat[2 * k + kMC + s] = on ? lists[2 + kMC + s] : -1;
        coef[2 * k + kMC + s] = on ? steer_alpha[s] : 0.0f;
        nonzero |= on && steer_alpha[s] != 0.0f;
    }
    const int any = __syncthreads_or(nonzero);
    if (ep && !any) return;  // z' == z and no steer: leave the row bit-identical
    // Compact the non-zero slots in slot order (warp 0, ballots): the column loop then touches
    // only the W_dec rows that change the row, in a fixed order.
    float* ncoef = reinterpret_cast<float*>(code_idx + k);   // [n_slots]
    int32_t* nlat = reinterpret_cast<int32_t*>(ncoef + n_slots);  // [n_slots]
    __shared__ int n_nz;
    if (tid < 32) {
        int base_pos = 0;
        for (int s0 = 0; s0 < n_slots; s0 += 32) {
            const int s = s0 + tid;
            const bool nz = s < n_slots && coef[s] != 0.0f;
            const unsigned bal = __ballot_sync(0xffffffffu, nz);
            if (nz) {
                const int pos = base_pos + __popc(bal & ((1u << tid) - 1u));
                ncoef[pos] = coef[s];
                nlat[pos] = lat[s];
            }
            base_pos += __popc(bal);
        }
        if (tid == 0) n_nz = base_pos;
    }
    __syncthreads();
    const int nnz = n_nz;
    float* row = x + (int64_t)t * d;
    for (int i = tid; i < d; i += kEditThreads) {
        float acc = 0.0f;
        for (int s = 0; s < nnz; ++s) acc = fmaf(ncoef[s], load_weight(w_dec, dtype, (size_t)nlat[s] * d + i), acc);
        row[i] = (ep ? row[i] : b_dec[i]) + acc;
    }
}

}  // namespace
}  // namespace lsc

using namespace lsc;

extern "C" int32_t llama_sae_cuda_edits_init(const llama_sae_cuda_sae* s, llama_sae_cuda_edits** out) {
    if (!out) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    auto* e = new (std::nothrow) llama_sae_cuda_edits();
    if (!e) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_OUT_OF_MEMORY, "host allocation failed");
    e->F = s->F;
    auto init = [&]() -> int32_t {
        LSC_CHECK(cudaMalloc((void**)&e->op, (size_t)e->F));
        LSC_CHECK(cudaMalloc((void**)&e->arg, (size_t)e->F * sizeof(float)));
        LSC_CHECK(cudaMalloc((void**)&e->partner, (size_t)e->F * sizeof(int32_t)));
        LSC_CHECK(cudaMalloc((void**)&e->lists, (size_t)(2 + kMC + kMS) * sizeof(int32_t)));
        LSC_CHECK(cudaMalloc((void**)&e->steer_alpha, (size_t)kMS * sizeof(float)));
        LSC_CHECK(cudaMemset(e->op, 0xff, (size_t)e->F));  // kNoEdit
        LSC_CHECK(cudaMemset(e->arg, 0, (size_t)e->F * sizeof(float)));
        LSC_CHECK(cudaMemset(e->partner, 0xff, (size_t)e->F * sizeof(int32_t)));
        LSC_CHECK(cudaMemset(e->lists, 0, (size_t)(2 + kMC + kMS) * sizeof(int32_t)));
        LSC_CHECK(cudaMemset(e->steer_alpha, 0, (size_t)kMS * sizeof(float)));
        LSC_CHECK(cudaDeviceSynchronize());
        return LLAMA_SAE_CUDA_OK;
    };
    const int32_t r = init();
    if (r != LLAMA_SAE_CUDA_OK) {
        llama_sae_cuda_edits_free(e);
        return r;
    }
    *out = e;
    return LLAMA_SAE_CUDA_OK;
}

extern "C" void llama_sae_cuda_edits_free(llama_sae_cuda_edits* e) {
    if (!e) return;
    cudaDeviceSynchronize();
    cudaFree(e->op);
    cudaFree(e->arg);
    cudaFree(e->partner);
    cudaFree(e->lists);
    cudaFree(e->steer_alpha);
    delete e;
}

extern "C" int32_t llama_sae_cuda_edits_set(llama_sae_cuda_edits* e, const llama_sae_cuda_edit* list, int32_t n,
                                            void* stream) {
    if (!e) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edits is NULL");
    if (n < 0 || (n > 0 && !list))
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected a list of n_edits >= 0 entries but found n=%d list=%p", n,
                        (const void*)list);
    const int F = e->F;
    std::vector<int8_t> op(F, kNoEdit);
    std::vector<float> arg(F, 0.0f);
    std::vector<int32_t> partner(F, -1), lists(2 + kMC + kMS, 0);
    std::vector<float> steer(kMS, 0.0f);
    std::vector<uint8_t> steered(F, 0);
    int n_clamp = 0, n_steer = 0;
    for (int i = 0; i < n; ++i) {
        const llama_sae_cuda_edit& ed = list[i];
        if (ed.latent < 0 || ed.latent >= F)
            return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: expected latent in [0, %d) but found %d", i, F,
                            ed.latent);
        if (!std::isfinite(ed.value))
            return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: expected a finite value but found %g", i,
                            (double)ed.value);
        const int f = ed.latent;
        if (ed.op == LLAMA_SAE_EDIT_STEER) {
            if (steered[f]) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: latent %d is steered twice", i, f);
            if (n_steer == kMS)
                return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: more than %d steers", i, kMS);
            steered[f] = 1;
            lists[2 + kMC + n_steer] = f;
            steer[n_steer++] = ed.value;
            continue;
        }
        if (ed.op != LLAMA_SAE_EDIT_SCALE && ed.op != LLAMA_SAE_EDIT_CLAMP && ed.op != LLAMA_SAE_EDIT_SWAP)
            return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: expected op 0..3 (llama_sae_kinds.h) but found %d", i,
                            ed.op);
        if (op[f] != kNoEdit)
            return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: latent %d already has an edit", i, f);
        if (ed.op == LLAMA_SAE_EDIT_SWAP) {
            const int p = ed.partner;
            if (p < 0 || p >= F || p == f)
                return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT,
                                "edit %d: expected swap partner in [0, %d) and != %d but found %d", i, F, f, p);
            if (op[p] != kNoEdit)
                return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: swap partner %d already has an edit", i, p);
            op[f] = op[p] = LLAMA_SAE_EDIT_SWAP;
            partner[f] = p;
            partner[p] = f;
            continue;
        }
        if (ed.op == LLAMA_SAE_EDIT_CLAMP) {
            if (n_clamp == kMC)
                return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit %d: more than %d clamps", i, kMC);
            lists[2 + n_clamp++] = f;
        }
        op[f] = (int8_t)ed.op;
        arg[f] = ed.value;
    }
    lists[0] = n_clamp;
    lists[1] = n_steer;
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    // make sure the previous upload finished reading the old staging buffers before replacing them
    LSC_CHECK(cudaStreamSynchronize(st));
    e->h_op.swap(op);
    e->h_arg.swap(arg);
    e->h_partner.swap(partner);
    e->h_lists.swap(lists);
    e->h_steer.swap(steer);
    LSC_CHECK(cudaMemcpyAsync(e->op, e->h_op.data(), (size_t)F, cudaMemcpyHostToDevice, st));
    LSC_CHECK(cudaMemcpyAsync(e->arg, e->h_arg.data(), (size_t)F * sizeof(float), cudaMemcpyHostToDevice, st));
    LSC_CHECK(cudaMemcpyAsync(e->partner, e->h_partner.data(), (size_t)F * sizeof(int32_t), cudaMemcpyHostToDevice, st));
    LSC_CHECK(cudaMemcpyAsync(e->lists, e->h_lists.data(), e->h_lists.size() * sizeof(int32_t), cudaMemcpyHostToDevice, st));
    LSC_CHECK(cudaMemcpyAsync(e->steer_alpha, e->h_steer.data(), (size_t)kMS * sizeof(float), cudaMemcpyHostToDevice, st));
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_apply_edits_and_update(const llama_sae_cuda_sae* s, float* x, int32_t n_rows,
                                                         int32_t k, const int32_t* idx, const float* val,
                                                         const llama_sae_cuda_edits* e, int32_t mode, void* stream) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (n_rows < 0) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_rows >= 0 but found %d", n_rows);
    if (n_rows == 0) return LLAMA_SAE_CUDA_OK;
    if (!x || !idx || !val) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "x, idx and val must be non-NULL");
    if (k < 1 || k > LLAMA_SAE_CUDA_MAX_K)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected 1 <= k <= %d but found %d", LLAMA_SAE_CUDA_MAX_K, k);
    if (mode != LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING && mode != LLAMA_SAE_EDIT_MODE_RECONSTRUCTION)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected update mode 0 or 1 but found %d", mode);
    if (e && e->F != s->F)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edit table has F=%d but the SAE has F=%d", e->F, s->F);
    const size_t n_slots = 2 * (size_t)k + kMC + kMS;
    const size_t smem = (2 * n_slots + k) * (sizeof(float) + sizeof(int32_t));
    // cudaFuncSetAttribute costs ~100 us of host time (measured): only when past 48 KiB, once per size
    static size_t configured = 48 << 10;
    if (smem > configured) {
        LSC_CHECK(cudaFuncSetAttribute(apply_edits_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        configured = smem;
    }
    apply_edits_kernel<<<n_rows, kEditThreads, smem, static_cast<cudaStream_t>(stream)>>>(
        x, s->d, k, idx, val, e ? e->op : nullptr, e ? e->arg : nullptr, e ? e->partner : nullptr,
        e ? e->lists : nullptr, e ? e->steer_alpha : nullptr, s->w_dec, s->dtype, s->b_dec, s->F, mode);
    LSC_CHECK_LAUNCH();
    return LLAMA_SAE_CUDA_OK;
}
