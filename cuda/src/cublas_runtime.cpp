// cuBLAS loaded at run time (see cublas_runtime.h for why).
#include "cublas_runtime.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace lsc::cublas {

namespace {

template <class Fn>
bool bind(void* lib, const char* name, Fn& out, std::string* why) {
    out = reinterpret_cast<Fn>(dlsym(lib, name));
    if (out) return true;
    if (why) *why = std::string("symbol ") + name + " missing";
    return false;
}

Api* load(const char* path, std::string* why) {
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        if (why) {
            const char* e = dlerror();
            *why = std::string(path) + ": " + (e ? e : "not found");
        }
        return nullptr;
    }
    auto* a = new Api();
    a->library = path;
    std::string missing;
    const bool ok = bind(lib, "cublasCreate_v2", a->create, &missing) && bind(lib, "cublasDestroy_v2", a->destroy, &missing) &&
                    bind(lib, "cublasSetStream_v2", a->set_stream, &missing) &&
                    bind(lib, "cublasSetWorkspace_v2", a->set_workspace, &missing) &&
                    bind(lib, "cublasGetVersion_v2", a->get_version, &missing) &&
                    bind(lib, "cublasGemmEx", a->gemm_ex, &missing);
    if (!ok) {
        if (why) *why = std::string(path) + ": " + missing;
        delete a;
        dlclose(lib);
        return nullptr;
    }
    return a;  // the library stays loaded for the process
}

}  // namespace

const Api* load_from(const char* path, std::string* why) { return load(path, why); }

const Api* api(std::string* why) {
    static std::once_flag once;
    static const Api* loaded = nullptr;
    static std::string reason;
    std::call_once(once, [] {
        const char* off = std::getenv("LLAMA_SAE_CUDA_CUBLAS");
        if (off && std::strcmp(off, "0") == 0) {
            reason = "LLAMA_SAE_CUDA_CUBLAS=0";
            return;
        }
        const char* forced = std::getenv("LLAMA_SAE_CUBLAS_LIB");
        if (forced && *forced) {
            loaded = load(forced, &reason);
            return;
        }
        std::string tried;
        for (const char* name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
            std::string w;
            loaded = load(name, &w);
            if (loaded) return;
            tried += (tried.empty() ? "" : "; ") + w;
        }
        reason = tried;
    });
    if (!loaded && why) *why = reason;
    return loaded;
}

int gemm_bf16_rows(const Api& a, void* handle, const uint16_t* W, int64_t ldw, int64_t f0, int m, const uint16_t* X,
                   int64_t ldx, int n, int kdim, float* P, int64_t ldP) {
    const float alpha = 1.0f, beta = 0.0f;
    return a.gemm_ex(handle, kOpT, kOpN, m, n, kdim, &alpha, W + f0 * ldw, kR16BF, (int)ldw, X, kR16BF, (int)ldx, &beta, P,
                     kR32F, (int)ldP, kCompute32F, kGemmDefault);
}

}  // namespace lsc::cublas
