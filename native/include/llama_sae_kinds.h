/* llama_sae_kinds.h — the ONE definition of the numbered kinds shared by the C API (llama_sae.h),
 * the CPU kernels (native/src/kernels) and the CUDA kernels (cuda/llama_sae_cuda.h). Plain C,
 * no other includes, so every one of them (and JavaCPP, whose binding mirrors these values in
 * io.llamasae.bind.LlamaSaeLib) can include it. Never renumber: the values cross the C API. */
#ifndef LLAMA_SAE_KINDS_H
#define LLAMA_SAE_KINDS_H

/* ---- SAE activations: how pre[f] = b_enc[f] + W_enc[f] . x becomes a row's k codes ---- */
#define LLAMA_SAE_ACT_TOPK_RELU 0  /* k largest pre; value max(pre, 0)                                  */
#define LLAMA_SAE_ACT_TOPK_ABS  1  /* k largest |pre|; value pre, sign kept (the reference study's SAE)  */
#define LLAMA_SAE_ACT_JUMPRELU  2  /* pre > threshold[f]; k largest kept; unused slots (-1, 0)            */
#define LLAMA_SAE_ACT_RELU      3  /* pre > 0; k largest kept; unused slots (-1, 0)                       */

/* ---- edits of a row's SAE code z (ablate = SCALE by 0) ---- */
#define LLAMA_SAE_EDIT_SCALE 0  /* z'_f = value * z_f                                           */
#define LLAMA_SAE_EDIT_CLAMP 1  /* z'_f = value, also when f is inactive                        */
#define LLAMA_SAE_EDIT_SWAP  2  /* z'_f = z_partner, z'_partner = z_f (both read before editing) */
#define LLAMA_SAE_EDIT_STEER 3  /* h' += value * W_dec[f], independent of z                     */

/* ---- how an edited code goes back into the residual row h ---- */
#define LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING 0  /* h' = h + W_dec^T (z' - z): keeps the SAE's error (default) */
#define LLAMA_SAE_EDIT_MODE_RECONSTRUCTION   1  /* h' = b_dec + W_dec^T z' (the reference study's behaviour)  */

#endif /* LLAMA_SAE_KINDS_H */
