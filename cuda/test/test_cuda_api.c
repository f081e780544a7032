/* Plain-C test of the API contract that needs no GPU (runs in CI): the header compiles as C,
 * bad arguments give INVALID_ARGUMENT with a message, and without a driver/device every entry
 * point answers NO_DEVICE (or a no-op) instead of aborting. With a device it checks the
 * argument errors only. Build & run: build/cuda/test_cuda_api */
#include <stdio.h>
#include <string.h>

#include "llama_sae_cuda.h"

static int failures = 0;

static void expect(int32_t got, int32_t want, const char* what) {
    if (got != want) {
        printf("FAILED %s: expected status %d but found %d (%s)\n", what, want, got, llama_sae_cuda_last_error());
        ++failures;
    } else {
        printf("ok     %s -> %d %s\n", what, got, got ? llama_sae_cuda_last_error() : "");
    }
}

int main(void) {
    const int32_t devices = llama_sae_cuda_device_count();
    printf("CUDA devices: %d\n", devices);
    float w[4 * 3] = {0}, b_enc[4] = {0}, b_dec[3] = {0};
    llama_sae_cuda_weights wt;
    memset(&wt, 0, sizeof wt);
    wt.n_features = 4;
    wt.d_model = 3;
    wt.dtype = LLAMA_SAE_CUDA_DTYPE_F32;
    wt.w_enc = w;
    wt.w_dec = w;
    wt.b_enc = b_enc;
    wt.b_dec = b_dec;
    llama_sae_cuda_sae* sae = (llama_sae_cuda_sae*)&wt; /* must be reset to NULL on failure */

    expect(llama_sae_cuda_sae_init(NULL, &sae), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae_init(weights=NULL)");
    if (sae != NULL) {
        printf("FAILED sae_init did not clear *out on failure\n");
        ++failures;
    }
    expect(llama_sae_cuda_sae_init(&wt, NULL), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae_init(out=NULL)");
    wt.d_model = 0;
    expect(llama_sae_cuda_sae_init(&wt, &sae), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae_init(d_model=0)");
    wt.d_model = 3;
    wt.dtype = 7;
    expect(llama_sae_cuda_sae_init(&wt, &sae), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "sae_init(dtype=7)");
    wt.dtype = LLAMA_SAE_CUDA_DTYPE_F32;
    expect(llama_sae_cuda_encode(NULL, NULL, 1, 1, 0, NULL, NULL, NULL), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "encode(sae=NULL)");
    expect(llama_sae_cuda_sae_set_margin(NULL, 4), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "set_margin(sae=NULL)");
    expect(llama_sae_cuda_edits_set(NULL, NULL, 0, NULL), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "edits_set(edits=NULL)");
    expect(llama_sae_cuda_apply_edits_and_update(NULL, NULL, 1, 1, NULL, NULL, NULL, 0, NULL),
           LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "apply_edits(sae=NULL)");
    llama_sae_cuda_stats* st = NULL;
    expect(llama_sae_cuda_stats_init(0, &st), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT, "stats_init(n_features=0)");
    expect(llama_sae_cuda_stats_accumulate(NULL, NULL, NULL, NULL, 1, 1, NULL), LLAMA_SAE_CUDA_ERR_INVALID_ARGUMENT,
           "stats_accumulate(stats=NULL)");
    llama_sae_cuda_sae_free(NULL);
    llama_sae_cuda_edits_free(NULL);
    llama_sae_cuda_stats_free(NULL);
    if (devices == 0) {
        expect(llama_sae_cuda_sae_init(&wt, &sae), LLAMA_SAE_CUDA_ERR_NO_DEVICE, "sae_init without a device");
        expect(llama_sae_cuda_stats_init(4, &st), LLAMA_SAE_CUDA_ERR_NO_DEVICE, "stats_init without a device");
    }
    if (failures) {
        printf("FAILED: %d check(s)\n", failures);
        return 1;
    }
    printf("all API checks passed\n");
    return 0;
}
