// Return codes of the CPU kernels: 0 = success, negative = rejected input (nothing written).
#pragma once

#include <cstdint>

namespace llama_sae {

enum Status : int32_t {
    kOk = 0,
    kErrNullPointer = -1,   // a required pointer argument is null
    kErrBadShape = -2,      // d <= 0, F <= 0, n_rows < 0 or M/N/K < 0
    kErrBadK = -3,          // k < 1 or k > F
    kErrBadMode = -4,       // unknown Activation / EditMode / edit op
    kErrBadLatent = -5,     // a latent index (edit latent/partner, steer latent) outside [0, F)
    kErrBadIndex = -6,      // a sparse-code index outside [-1, F)
    kErrOutOfMemory = -7,   // scratch allocation failed
};

/// Short English description of a Status value ("ok", "null pointer argument", ...).
const char* status_message(int32_t status);

}  // namespace llama_sae
