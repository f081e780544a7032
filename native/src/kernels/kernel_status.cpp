#include "kernel_status.h"

namespace llama_sae {

const char* status_message(int32_t status) {
    switch (status) {
        case kOk: return "ok";
        case kErrNullPointer: return "null pointer argument";
        case kErrBadShape: return "invalid shape (expected d > 0, F > 0, row count >= 0)";
        case kErrBadK: return "invalid k (expected 1 <= k <= F)";
        case kErrBadMode: return "unknown activation, edit mode or edit op";
        case kErrBadLatent: return "latent index outside [0, F)";
        case kErrBadIndex: return "sparse-code index outside [-1, F)";
        case kErrOutOfMemory: return "scratch allocation failed";
        default: return "unknown status";
    }
}

}  // namespace llama_sae
