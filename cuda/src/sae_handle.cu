// SAE weights handle: error reporting, device query, upload of the weights and the bf16
// scoring copy of W_enc.
#include <cstdarg>
#include <cstring>
#include <cmath>

#include "cublas_runtime.h"
#include "sae_internal.cuh"

namespace {
thread_local char g_last_error[512] = "";

// Writes the zero-padded bf16 copy [F_pad, d_pad] of W_enc (storage dtype [F, d]).
__global__ void make_bf16_copy_kernel(const void* w, int dtype, int F, int d, int d_pad, int64_t total,
                                      __nv_bfloat16* out) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t r = i / d_pad;
        int c = (int)(i - r * d_pad);
        float v = (r < F && c < d) ? lsc::load_weight(w, dtype, (size_t)r * d + c) : 0.0f;
        out[i] = __float2bfloat16_rn(v);
    }
}
}  // namespace

namespace lsc {

int32_t fail(int32_t status, const char* file, int line, const char* fmt, ...) {
    const char* base = std::strrchr(file, '/');
    int n = std::snprintf(g_last_error, sizeof g_last_error, "%s:%d: ", base ? base + 1 : file, line);
    if (n < 0 || n >= (int)sizeof g_last_error) n = 0;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(g_last_error + n, sizeof g_last_error - n, fmt, ap);
    va_end(ap);
    return status;
}

int32_t fail_cuda(cudaError_t err, const char* file, int line, const char* expr) {
    int32_t status = LLAMA_SAE_CUDA_ERR_CUDA;
    if (err == cudaErrorMemoryAllocation) status = LLAMA_SAE_CUDA_ERR_OUT_OF_MEMORY;
    if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) status = LLAMA_SAE_CUDA_ERR_NO_DEVICE;
    cudaGetLastError();  // clear a sticky launch error so later calls are not blamed for it
    return fail(status, file, line, "%s failed: %s (%s)", expr, cudaGetErrorName(err), cudaGetErrorString(err));
}

}  // namespace lsc

extern "C" int32_t llama_sae_cuda_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return n;
}

extern "C" const char* llama_sae_cuda_last_error(void) { return g_last_error; }

extern "C" int32_t llama_sae_cuda_cublas_available(void) {
    std::string why;
    if (lsc::cublas::api(&why)) return 1;
    LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "cuBLAS not loaded: %s", why.c_str());
    return 0;
}

extern "C" void llama_sae_cuda_sae_free(llama_sae_cuda_sae* s) {
    if (!s) return;
    cudaDeviceSynchronize();
    cudaFree(s->w_enc);
    cudaFree(s->w_dec);
    cudaFree(s->b_enc);
    cudaFree(s->b_dec);
    cudaFree(s->threshold);
    cudaFree(s->w_enc_bf16);
    cudaFree(s->ws);
    if (s->cublas) {
        const lsc::cublas::Api* api = lsc::cublas::api(nullptr);
        if (api) api->destroy(s->cublas);
    }
    cudaFree(s->cublas_ws);
    delete s;
}

static int32_t sae_init_impl(const llama_sae_cuda_weights* w, llama_sae_cuda_sae* s) {
    using namespace lsc;
    int dev = 0;
    LSC_CHECK(cudaGetDevice(&dev));
    cudaDeviceProp prop;
    LSC_CHECK(cudaGetDeviceProperties(&prop, dev));
    s->device = dev;
    s->num_sms = prop.multiProcessorCount;
    s->smem_optin = prop.sharedMemPerBlockOptin;
    s->l2_bytes = (size_t)prop.l2CacheSize;
    s->F = w->n_features;
    s->d = w->d_model;
    s->dtype = w->dtype;
    s->F_pad = (int32_t)round_up(s->F, kRowPad);
    s->d_pad = (int32_t)round_up(s->d, kColPad);
    const size_t es = dtype_size(w->dtype);
    const size_t n_w = (size_t)s->F * s->d;
    LSC_CHECK(cudaMalloc(&s->w_enc, n_w * es));
    LSC_CHECK(cudaMalloc(&s->w_dec, n_w * es));
    LSC_CHECK(cudaMalloc((void**)&s->b_enc, (size_t)s->F * sizeof(float)));
    LSC_CHECK(cudaMalloc((void**)&s->b_dec, (size_t)s->d * sizeof(float)));
    LSC_CHECK(cudaMemcpy(s->w_enc, w->w_enc, n_w * es, cudaMemcpyHostToDevice));
    LSC_CHECK(cudaMemcpy(s->w_dec, w->w_dec, n_w * es, cudaMemcpyHostToDevice));
    LSC_CHECK(cudaMemcpy(s->b_enc, w->b_enc, (size_t)s->F * sizeof(float), cudaMemcpyHostToDevice));
    LSC_CHECK(cudaMemcpy(s->b_dec, w->b_dec, (size_t)s->d * sizeof(float), cudaMemcpyHostToDevice));
    if (w->threshold) {
        LSC_CHECK(cudaMalloc((void**)&s->threshold, (size_t)s->F * sizeof(float)));
        LSC_CHECK(cudaMemcpy(s->threshold, w->threshold, (size_t)s->F * sizeof(float), cudaMemcpyHostToDevice));
    }
    const int64_t total = (int64_t)s->F_pad * s->d_pad;
    LSC_CHECK(cudaMalloc((void**)&s->w_enc_bf16, (size_t)total * sizeof(__nv_bfloat16)));
    make_bf16_copy_kernel<<<s->num_sms * 8, 256>>>(s->w_enc, s->dtype, s->F, s->d, s->d_pad, total, s->w_enc_bf16);
    LSC_CHECK_LAUNCH();
    LSC_CHECK(cudaDeviceSynchronize());
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_sae_init(const llama_sae_cuda_weights* w, llama_sae_cuda_sae** out) {
    if (!out) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (!w) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "weights is NULL");
    if (w->n_features < 1 || w->d_model < 1)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected n_features >= 1 and d_model >= 1 but found %d, %d",
                        w->n_features, w->d_model);
    if (w->dtype < LLAMA_SAE_CUDA_DTYPE_F32 || w->dtype > LLAMA_SAE_CUDA_DTYPE_BF16)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected dtype 0 (f32), 1 (f16) or 2 (bf16) but found %d",
                        w->dtype);
    if (!w->w_enc || !w->b_enc || !w->w_dec || !w->b_dec)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "w_enc, b_enc, w_dec and b_dec must be non-NULL");
    if (llama_sae_cuda_device_count() == 0)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_NO_DEVICE, "no CUDA device or driver");
    auto* s = new (std::nothrow) llama_sae_cuda_sae();
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_OUT_OF_MEMORY, "host allocation failed");
    int32_t st = sae_init_impl(w, s);
    if (st != LLAMA_SAE_CUDA_OK) {
        llama_sae_cuda_sae_free(s);
        return st;
    }
    *out = s;
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_sae_set_margin(llama_sae_cuda_sae* s, int32_t margin) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (margin < 0 || margin > 1024)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected margin in [0, 1024] but found %d", margin);
    s->margin = margin;
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_sae_set_path(llama_sae_cuda_sae* s, int32_t path) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (path < LLAMA_SAE_CUDA_PATH_AUTO || path > LLAMA_SAE_CUDA_PATH_CUBLAS)
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "expected path 0..3 but found %d", path);
    if (path == LLAMA_SAE_CUDA_PATH_CUBLAS && !llama_sae_cuda_cublas_available())
        return LSC_FAIL(LLAMA_SAE_CUDA_ERR_UNSUPPORTED, "cuBLAS path unavailable: %s", llama_sae_cuda_last_error());
    s->path = path;
    return LLAMA_SAE_CUDA_OK;
}

extern "C" int32_t llama_sae_cuda_sae_shape(const llama_sae_cuda_sae* s, int32_t* F, int32_t* d) {
    if (!s) return LSC_FAIL(LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae is NULL");
    if (F) *F = s->F;
    if (d) *d = s->d;
    return LLAMA_SAE_CUDA_OK;
}
