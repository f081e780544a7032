// The cuBLAS path's host side without a GPU (runs in CI): the run-time loader (missing library,
// missing symbol, LLAMA_SAE_CUBLAS_LIB) and the scoring GEMM's call mapping, checked through
// fake_cublas (a host implementation of cublasGemmEx's documented column-major contract) against a
// double-precision reference: P[t, i] = W[f0 + i] . x[t] for a chunk of latents and all tokens,
// with padded leading dimensions, and nothing written outside the chunk.
// Build & run: build/cuda/test_cublas_runtime
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../src/cublas_runtime.h"

namespace {

int failures = 0;
#define CHECK(cond, ...)                                        \
    do {                                                        \
        if (!(cond)) {                                          \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            std::printf(__VA_ARGS__);                           \
            std::printf("\n");                                  \
            ++failures;                                         \
        }                                                       \
    } while (0)

uint16_t to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even (finite inputs)
    return (uint16_t)(u >> 16);
}

double from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

void check_mapping(const lsc::cublas::Api& api) {
    // F_pad latents x d_pad columns (zero padded beyond d), a chunk [f0, f0 + m), T tokens.
    const int F = 40, d = 13, d_pad = 64, T = 5, f0 = 8, m = 21, ldP = 32;
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<uint16_t> W((size_t)F * d_pad, 0), X((size_t)T * d_pad, 0);
    for (int f = 0; f < F; ++f)
        for (int c = 0; c < d; ++c) W[(size_t)f * d_pad + c] = to_bf16(g(rng));
    for (int t = 0; t < T; ++t)
        for (int c = 0; c < d; ++c) X[(size_t)t * d_pad + c] = to_bf16(g(rng));
    const float poison = -12345.0f;
    std::vector<float> P((size_t)T * ldP, poison);
    void* h = nullptr;
    CHECK(api.create(&h) == 0 && h, "cublasCreate_v2");
    int stream_tag = 0;
    CHECK(api.set_stream(h, &stream_tag) == 0, "cublasSetStream_v2");
    const int st = lsc::cublas::gemm_bf16_rows(api, h, W.data(), d_pad, f0, m, X.data(), d_pad, T, d_pad, P.data(), ldP);
    CHECK(st == 0, "gemm_bf16_rows returned status %d", st);
    int64_t bad = 0, outside = 0;
    double max_err = 0.0;
    for (int t = 0; t < T; ++t) {
        for (int i = 0; i < ldP; ++i) {
            const float got = P[(size_t)t * ldP + i];
            if (i >= m) {
                outside += got != poison;
                continue;
            }
            double ref = 0.0;
            for (int c = 0; c < d; ++c) ref += from_bf16(W[(size_t)(f0 + i) * d_pad + c]) * from_bf16(X[(size_t)t * d_pad + c]);
            const double err = std::fabs(got - ref);
            max_err = std::fmax(max_err, err);
            bad += err > 1e-6 + 1e-6 * std::fabs(ref);
        }
    }
    std::printf("GEMM mapping: %d x %d chunk at latent %d, %d tokens: max |P - ref| %.3g, %lld mismatches, %lld writes outside\n",
                m, T, f0, T, max_err, (long long)bad, (long long)outside);
    CHECK(bad == 0, "%lld entries of P differ from W[f0 + i] . x[t]", (long long)bad);
    CHECK(outside == 0, "%lld entries beyond the chunk were written", (long long)outside);
    CHECK(api.destroy(h) == 0, "cublasDestroy_v2");
}

}  // namespace

int main() {
    std::string why;
    // 1. A library that does not exist: null, the reason names the file.
    CHECK(lsc::cublas::load_from("/nonexistent/libcublas.so.13", &why) == nullptr, "loading a missing file succeeded");
    CHECK(why.find("/nonexistent/libcublas.so.13") != std::string::npos, "reason '%s' does not name the file", why.c_str());
    std::printf("missing library: %s\n", why.c_str());
    // 2. A library without the symbols (libm): null, the reason names the first missing symbol.
    why.clear();
    CHECK(lsc::cublas::load_from("libm.so.6", &why) == nullptr, "libm loaded as cuBLAS");
    CHECK(why.find("cublasCreate_v2") != std::string::npos, "reason '%s' does not name the missing symbol", why.c_str());
    std::printf("missing symbol: %s\n", why.c_str());
    // 3. The process-wide loader honours LLAMA_SAE_CUBLAS_LIB (first call decides).
    setenv("LLAMA_SAE_CUBLAS_LIB", FAKE_CUBLAS_PATH, 1);
    unsetenv("LLAMA_SAE_CUDA_CUBLAS");
    const lsc::cublas::Api* api = lsc::cublas::api(&why);
    CHECK(api != nullptr, "LLAMA_SAE_CUBLAS_LIB=%s did not load: %s", FAKE_CUBLAS_PATH, why.c_str());
    if (api) {
        CHECK(api->library == FAKE_CUBLAS_PATH, "loaded %s", api->library.c_str());
        CHECK(lsc::cublas::api(nullptr) == api, "second call loaded again");
        // 4. The scoring GEMM's mapping onto cublasGemmEx, and the operations it asked for.
        check_mapping(*api);
        void* lib = dlopen(FAKE_CUBLAS_PATH, RTLD_NOW | RTLD_NOLOAD);
        const int* ta = lib ? static_cast<const int*>(dlsym(lib, "fake_cublas_last_transa")) : nullptr;
        const int* tb = lib ? static_cast<const int*>(dlsym(lib, "fake_cublas_last_transb")) : nullptr;
        CHECK(ta && tb && *ta == lsc::cublas::kOpT && *tb == lsc::cublas::kOpN, "expected op(A) = T, op(B) = N");
    }
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "all cuBLAS runtime checks passed", failures);
    return failures ? 1 : 0;
}
