// Umbrella header of the CPU kernels (static library llama_sae_kernels, namespace llama_sae).
#pragma once

#include "kernel_status.h"  // Status codes, status_message()
#include "sae_view.h"       // SaeView, Activation
#include "simd_level.h"     // runtime ISA dispatch, LLAMA_SAE_NO_SIMD
#include "sgemm.h"          // sgemm(): C = A . B^T (+ bias)
#include "sparse_edit.h"    // apply_edits(), steer(), decode()
#include "thread_pool.h"    // ThreadPool
#include "topk_encode.h"    // encode()
