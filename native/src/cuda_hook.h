// The hook's work on tensors that live in CUDA device memory (llama.cpp's CUDA backend): rows are
// gathered on the device, encoded and edited by the kernels in cuda/, and only the captured rows
// and sparse codes are copied to the host. Without LLAMA_SAE_WITH_CUDA these report unavailable
// and the hook falls back to copying rows through ggml_backend_tensor_get/set.
#pragma once

#include "engine_internal.h"

namespace llama_sae {

// True when this build runs hook work on CUDA memory with the project's kernels.
bool cuda_hook_available();

// Captures src_index rows of t into the host rows of the layer's slot and encodes them on the device.
// Returns false (with hs->error set) on failure.
bool cuda_capture(HookState * hs, const ggml_tensor * t, const LayerHook & lh, const std::vector<int32_t> & src_index);

// Applies the layer's edits to src_index rows of t on the device, in place.
bool cuda_intervene(HookState * hs, ggml_tensor * t, const LayerHook & lh, int32_t layer, const std::vector<int32_t> & src_index);

// Frees the device copy of an SAE, and a context's device scratch and edit tables.
void cuda_release_sae(llama_sae_sae * sae);
void cuda_release_hook(HookState * hs);

}  // namespace llama_sae
