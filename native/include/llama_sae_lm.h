// llama_sae_lm.h — C API of the project's small LLaMA trainer: forward and backward passes over
// batches of sequences, written by hand on the project's CPU kernels (native/src/lm), and an
// AdamW step with global-norm clipping. No llama.cpp code runs here; the weights it learns are
// written as a llama-architecture GGUF by the Java side and run by llama.cpp.
//
// Conventions as in llama_sae.h: status codes (LLAMA_SAE_OK or a negative LLAMA_SAE_ERR_*),
// llama_sae_last_error() for the message, no C++ exception crosses the API.
//
// The model: LLaMA blocks (RMSNorm, multi-head attention with RoPE in llama.cpp's NORM mode,
// SwiGLU FFN), n_head_kv = n_head, untied output projection. Weights live in one float vector
// whose layout (tensor names as in GGUF, offsets, shapes) llama_sae_lm_get_tensor describes.
#ifndef LLAMA_SAE_LM_H
#define LLAMA_SAE_LM_H

#include <stdbool.h>
#include <stdint.h>

#include "llama_sae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llama_sae_lm llama_sae_lm;

struct llama_sae_lm_params {
    int32_t n_vocab;
    int32_t n_embd;
    int32_t n_layer;
    int32_t n_head;          // n_embd / n_head must be even (RoPE)
    int32_t n_ff;
    int32_t n_ctx;           // longest sequence
    float   rope_freq_base;  // default 10000
    float   rms_eps;         // default 1e-5
    int32_t n_threads;       // 0 = all cores
};

struct llama_sae_lm_params llama_sae_lm_default_params(void);

// Allocates weights (zero), gradients and the AdamW moments. Returns LLAMA_SAE_OK or
// ERR_INVALID_ARGUMENT (the message names the parameter).
int32_t llama_sae_lm_init(struct llama_sae_lm_params params, llama_sae_lm ** out_lm);

void llama_sae_lm_free(llama_sae_lm * lm);

// Number of floats in the weight vector (0 for a null handle).
int64_t llama_sae_lm_n_params(const llama_sae_lm * lm);

// One tensor of the layout: elements [offset, offset + rows * cols) of the weight vector,
// row-major [rows, cols] (GGUF ne = {cols, rows}); vectors have rows = 1.
struct llama_sae_lm_tensor {
    char    name[64];  // GGUF name, e.g. "blk.0.attn_q.weight"
    int64_t offset;
    int64_t rows;
    int64_t cols;
};

int32_t llama_sae_lm_n_tensors(const llama_sae_lm * lm);

// Returns LLAMA_SAE_OK or ERR_OUT_OF_RANGE (index outside [0, n_tensors)).
int32_t llama_sae_lm_get_tensor(const llama_sae_lm * lm, int32_t index, struct llama_sae_lm_tensor * out);

// [n_params] weights, gradients of the last backward pass, AdamW first and second moments.
// Owned by the handle, writable (initialization, checkpoints), valid until llama_sae_lm_free.
float * llama_sae_lm_weights(llama_sae_lm * lm);
float * llama_sae_lm_grads(llama_sae_lm * lm);
float * llama_sae_lm_adam_m(llama_sae_lm * lm);
float * llama_sae_lm_adam_v(llama_sae_lm * lm);

// Weighted next-token cross-entropy of a batch: sequence s is tokens[offsets[s] .. offsets[s+1])
// (offsets[0] = 0, 1..n_ctx tokens each, positions restart at 0, attention stays inside the
// sequence). weights [n_tokens]: weight of predicting token n from the tokens before it in its
// sequence (finite, >= 0; 0 at each sequence's first token). *loss = sum w_n * -log p(token_n) /
// sum w_n (0 when all weights are 0); *weight_sum = sum w_n. With backward, the gradients of
// *loss are written to llama_sae_lm_grads. Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_lm_loss(llama_sae_lm * lm, const int32_t * tokens, const int32_t * offsets, int32_t n_seq,
                          const float * weights, bool backward, double * loss, double * weight_sum);

// logits [n_tokens, n_vocab]: at every position of every sequence, the scores of the next token.
// Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_lm_logits(llama_sae_lm * lm, const int32_t * tokens, const int32_t * offsets, int32_t n_seq,
                            float * logits);

struct llama_sae_lm_adamw_params {
    float   lr;            // learning rate of this step
    float   beta1;         // default 0.9
    float   beta2;         // default 0.95
    float   eps;           // default 1e-8
    float   weight_decay;  // decoupled, matrices only; default 0.1
    float   clip_norm;     // global L2 norm the gradients are clipped to; 0 = no clipping; default 1
    int64_t step;          // 1-based step number (bias correction)
};

struct llama_sae_lm_adamw_params llama_sae_lm_adamw_default_params(void);

// Clips the gradients of the last backward pass and applies one AdamW update to the weights.
// *grad_norm (may be NULL) receives the global gradient norm before clipping.
// Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT (bad parameter, non-finite gradient norm).
int32_t llama_sae_lm_adamw_step(llama_sae_lm * lm, struct llama_sae_lm_adamw_params params, double * grad_norm);

#ifdef __cplusplus
}
#endif

#endif  // LLAMA_SAE_LM_H
