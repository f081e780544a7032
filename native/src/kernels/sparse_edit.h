// Interventions on one row's sparse code z (from encode()) and their write-back into the
// residual row h (see the shared contracts):
//   z: k slots (idx[s], val[s]); slots with idx -1 are padding; z_f = val at the slot of f, else 0.
//   Edits produce z': scale f by s (ablate = scale 0): z'_f = s*z_f; clamp f to v: z'_f = v (also
//   when f is inactive); swap a<->b: z'_a = z_b, z'_b = z_a. Every edit reads the ORIGINAL z;
//   edits are applied in array order, so if two edits write the same latent the later one wins.
//   ErrorPreserving: h' = h + sum_f (z'_f - z_f) * W_dec[f] over latents whose value changed;
//     when no value changed the row is not touched at all (bit-identical, not even +0.0).
//   Reconstruction: h' = decode(z') = b_dec + sum_f z'_f * W_dec[f] (always written).
#pragma once

#include <cstdint>

#include "kernel_status.h"
#include "sae_view.h"

namespace llama_sae {

// Numbered by llama_sae_kinds.h (via sae_view.h): one definition with the C API and CUDA kernels.
enum EditOp : int32_t { kEditScale = LLAMA_SAE_EDIT_SCALE, kEditClamp = LLAMA_SAE_EDIT_CLAMP, kEditSwap = LLAMA_SAE_EDIT_SWAP };

struct LatentEdit {
    int32_t latent;   // edited latent, [0, F)
    int32_t op;       // EditOp
    float value;      // scale factor (kEditScale) or clamp value (kEditClamp); unused by swap
    int32_t partner;  // kEditSwap: the other latent, [0, F); unused otherwise
};

enum class EditMode : int32_t {
    ErrorPreserving = LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING,
    Reconstruction = LLAMA_SAE_EDIT_MODE_RECONSTRUCTION,
};

/// Applies n_edits edits to the sparse code (idx, val: [k]) and writes the result into
/// h_row ([d], in/out). Needs sae.W_dec (and sae.b_dec for Reconstruction).
/// Returns 1 when h_row was written, 0 when it was left untouched (ErrorPreserving with no
/// changed value, or n_edits == 0 in ErrorPreserving mode), or a negative Status:
/// kErrNullPointer, kErrBadShape (d/F <= 0 or k < 0), kErrBadMode (mode or op),
/// kErrBadLatent (edit latent/partner outside [0, F)), kErrBadIndex (idx outside [-1, F)).
/// Nothing is written on error.
int32_t apply_edits(const SaeView& sae, const int32_t* idx, const float* val, int32_t k,
                    const LatentEdit* edits, int32_t n_edits, EditMode mode, float* h_row);

/// h_row += alpha * W_dec[latent] ([d]). alpha == 0 leaves the row untouched.
/// Returns 1 when written, 0 when untouched, or kErrNullPointer / kErrBadShape / kErrBadLatent.
int32_t steer(const SaeView& sae, int32_t latent, float alpha, float* h_row);

/// out_row = b_dec + sum over slots s with idx[s] >= 0 of val[s] * W_dec[idx[s]]  ([d]),
/// accumulated in slot order. Returns kOk, kErrNullPointer, kErrBadShape, kErrBadIndex.
int32_t decode(const SaeView& sae, const int32_t* idx, const float* val, int32_t k, float* out_row);

}  // namespace llama_sae
