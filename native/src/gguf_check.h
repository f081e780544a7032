// Checks a GGUF model file before llama.cpp loads it.
#pragma once

namespace llama_sae {

// llama.cpp refuses most malformed files with an error, but some values reach a GGML_ASSERT (which
// aborts the whole process, JVM included) or load and then compute silently wrong results. This
// refuses those first, each as ApiError "<file>: <key or tensor>: expected ... but found ...":
//   - the file: exists, is a regular file (a named pipe would block forever), GGUF magic and
//     version 2 or 3, a header ggml's own parser accepts (no allocation, no tensor data read);
//   - every hyperparameter llama.cpp asserts on when loading any architecture (block count,
//     next-n layers, expert counts and groups, per-layer arrays, RoPE scaling type) and, for the
//     llama architecture, what its graph asserts on (head counts dividing the width, KV heads
//     dividing heads, head sizes equal to the RoPE dimension) and what would make results
//     meaningless (non-finite or non-positive RMS epsilon, RoPE base and scale);
//   - the vocabulary: present, no duplicate token texts (an assert), special token ids inside it;
//   - the weights llama.cpp multiplies with: a type the CPU backend can multiply (float or
//     quantized, not integer or F64).
// Throws ApiError with LLAMA_SAE_ERR_IO (missing, unreadable, not a regular file) or
// LLAMA_SAE_ERR_FORMAT (everything else).
void check_gguf_before_load(const char * path);

}  // namespace llama_sae
