// Loads ggml's backends at run time (GGML_BACKEND_DL): the best CPU variant for this machine
// (libggml-cpu-<variant>.so) and any GPU backend module shipped beside the engine.
#pragma once

#include <string>

namespace llama_sae {

// Loads the backends once (thread-safe) and initialises llama.cpp. Throws ApiError(INTERNAL)
// naming the folders searched when no CPU backend can be loaded.
void ensure_backends();

// Where the backend modules were found ("" before ensure_backends or when none was).
std::string backend_dir();

}  // namespace llama_sae
