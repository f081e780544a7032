// Runtime CPU dispatch (the OpenMP wait policy is set earlier, by src/openmp/wait_policy.c).
//
// llama.cpp is built with GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS: its CPU backend exists once per
// x86-64 feature level as a module, and ggml_backend_load_all_from_path() scores every
// libggml-cpu-*.so in a folder against the running CPU and loads the best. The folder is the one
// libllama_sae.so was loaded from: inside the jar JavaCPP extracts all natives into one cache
// folder, in the build tree the modules sit in llama.cpp's output folder (compiled in), and
// LLAMA_SAE_BACKEND_DIR overrides both.
#include "backend_loader.h"

#include "api_error.h"
#include "llama.h"
#include "ggml-backend.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>
#include <vector>

namespace {

std::string g_backend_dir;

bool is_dir(const std::string & p) {
    struct stat st {};
    return !p.empty() && stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The folder this shared library was loaded from.
std::string own_dir() {
    Dl_info info {};
    if (dladdr(reinterpret_cast<void *>(&llama_sae::ensure_backends), &info) == 0 || !info.dli_fname) return "";
    std::string path = info.dli_fname;
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool have_cpu_backend() { return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) != nullptr; }

void load_backends() {
    std::vector<std::string> dirs;
    if (const char * env = std::getenv("LLAMA_SAE_BACKEND_DIR"); env && *env) dirs.emplace_back(env);
    dirs.push_back(own_dir());
#ifdef LLAMA_SAE_BUILD_BACKEND_DIR
    dirs.emplace_back(LLAMA_SAE_BUILD_BACKEND_DIR);
#endif
    std::string searched;
    for (const std::string & d : dirs) {
        if (!is_dir(d)) continue;
        ggml_backend_load_all_from_path(d.c_str());
        searched += (searched.empty() ? "" : ", ") + d;
        if (have_cpu_backend()) {
            g_backend_dir = d;
            return;
        }
    }
    llama_sae::fail(LLAMA_SAE_ERR_INTERNAL, "no ggml CPU backend could be loaded: expected libggml-cpu-<variant>.so modules in " +
                    (searched.empty() ? std::string("the engine's folder") : searched) +
                    " (set LLAMA_SAE_BACKEND_DIR to the folder that holds them)");
}

}  // namespace

namespace llama_sae {

void ensure_backends() {
    static std::once_flag once;
    static std::string error;
    std::call_once(once, [] {
        try {
            load_backends();
            llama_backend_init();
        } catch (const ApiError & e) {
            error = e.what();
        }
    });
    if (!error.empty()) fail(LLAMA_SAE_ERR_INTERNAL, error);
}

std::string backend_dir() { return g_backend_dir; }

}  // namespace llama_sae
