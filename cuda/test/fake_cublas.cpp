// A host implementation of the part of the cuBLAS contract the encode uses, exported under
// cuBLAS's symbol names, so that test_cublas_runtime can load it like libcublas and check the
// loader and the GEMM call mapping on the CPU (pointers are host memory here).
//
// cublasGemmEx as documented: C = alpha * op(A) * op(B) + beta * C, all matrices column-major,
// op(A) is m x k (A is k x m with lda >= k when transa = T, m x k with lda >= m when N), op(B) is
// k x n, C is m x n with ldc >= m. Types: CUDA_R_16BF (14) and CUDA_R_32F (0) inputs, CUDA_R_32F
// output, compute type CUBLAS_COMPUTE_32F (68). Anything else returns CUBLAS_STATUS_NOT_SUPPORTED.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr int kSuccess = 0, kNotInitialized = 1, kInvalidValue = 7, kNotSupported = 15;

struct Handle {
    void* stream = nullptr;
    void* workspace = nullptr;
    size_t workspace_bytes = 0;
};

float load(const void* p, int type, int64_t i) {
    if (type == 0) return static_cast<const float*>(p)[i];
    uint32_t u = (uint32_t) static_cast<const uint16_t*>(p)[i] << 16;  // bf16 -> f32
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

}  // namespace

extern "C" {

// What the last calls saw (read by the test through dlsym).
int fake_cublas_last_transa = -1, fake_cublas_last_transb = -1, fake_cublas_gemm_calls = 0;
void* fake_cublas_last_stream = nullptr;

int cublasCreate_v2(void** handle) {
    if (!handle) return kInvalidValue;
    *handle = new Handle();
    return kSuccess;
}

int cublasDestroy_v2(void* handle) {
    if (!handle) return kNotInitialized;
    delete static_cast<Handle*>(handle);
    return kSuccess;
}

int cublasSetStream_v2(void* handle, void* stream) {
    if (!handle) return kNotInitialized;
    static_cast<Handle*>(handle)->stream = stream;
    fake_cublas_last_stream = stream;
    return kSuccess;
}

int cublasSetWorkspace_v2(void* handle, void* workspace, size_t bytes) {
    if (!handle) return kNotInitialized;
    static_cast<Handle*>(handle)->workspace = workspace;
    static_cast<Handle*>(handle)->workspace_bytes = bytes;
    return kSuccess;
}

int cublasGetVersion_v2(void* handle, int* version) {
    if (!handle || !version) return kInvalidValue;
    *version = 0;
    return kSuccess;
}

int cublasGemmEx(void* handle, int transa, int transb, int m, int n, int k, const void* alpha, const void* A, int Atype,
                 int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc, int computeType,
                 int algo) {
    (void) algo;
    if (!handle) return kNotInitialized;
    if (m < 0 || n < 0 || k < 0 || transa < 0 || transa > 1 || transb < 0 || transb > 1) return kInvalidValue;
    if (lda < (transa ? k : m) || ldb < (transb ? n : k) || ldc < m || lda < 1 || ldb < 1 || ldc < 1) return kInvalidValue;
    if ((Atype != 0 && Atype != 14) || (Btype != 0 && Btype != 14) || Ctype != 0 || computeType != 68) return kNotSupported;
    ++fake_cublas_gemm_calls;
    fake_cublas_last_transa = transa;
    fake_cublas_last_transb = transb;
    const float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    float* c = static_cast<float*>(C);
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < m; ++i) {
            double acc = 0.0;
            for (int l = 0; l < k; ++l) {
                // op(A)(i, l) and op(B)(l, j) in column-major storage
                const int64_t ai = transa ? (int64_t) i * lda + l : (int64_t) l * lda + i;
                const int64_t bi = transb ? (int64_t) l * ldb + j : (int64_t) j * ldb + l;
                acc += (double) load(A, Atype, ai) * (double) load(B, Btype, bi);
            }
            float& out = c[(int64_t) j * ldc + i];
            out = (float) (a * acc + (b == 0.0f ? 0.0 : (double) b * out));
        }
    }
    return kSuccess;
}

}  // extern "C"
