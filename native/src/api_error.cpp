#include "api_error.h"

namespace llama_sae {

static thread_local std::string g_last_error;

void set_last_error(const std::string & msg) { g_last_error = msg; }
void clear_last_error() { g_last_error.clear(); }

}  // namespace llama_sae

extern "C" const char * llama_sae_last_error(void) { return llama_sae::g_last_error.c_str(); }
