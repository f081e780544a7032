// llama_sae.h — C API of the llama-sae engine: sparse-autoencoder feature analysis inside
// llama.cpp's forward pass.
//
// Conventions (as in llama.h):
//   - opaque handles with init/free pairs; plain parameter structs from *_default_params();
//   - every function that can fail returns an int32_t status: LLAMA_SAE_OK (0) or a negative
//     LLAMA_SAE_ERR_* code; llama_sae_last_error() then describes the failure (thread-local);
//   - no C++ exception and no ggml assert is ever reached through this API: inputs are
//     validated before llama.cpp is called;
//   - buffers returned by accessor functions are owned by the engine and stay valid until the
//     next call that runs the context, or until the handle is freed.
//
// Layer numbering: llama.cpp block indices. Layer L is the residual stream after block L
// (llama.cpp's tensor "l_out-L"), which is Hugging Face hidden_states[L + 1].
#ifndef LLAMA_SAE_H
#define LLAMA_SAE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llama_sae_kinds.h"  // LLAMA_SAE_ACT_*, LLAMA_SAE_EDIT_*, LLAMA_SAE_EDIT_MODE_* (one definition)

#ifdef __cplusplus
extern "C" {
#endif

// ---- status codes ----------------------------------------------------------------------------
#define LLAMA_SAE_OK                     0
#define LLAMA_SAE_ERR_INVALID_ARGUMENT  -1  // null pointer, bad count, bad parameter value
#define LLAMA_SAE_ERR_IO                -2  // file missing or unreadable
#define LLAMA_SAE_ERR_FORMAT            -3  // not a GGUF file, truncated, unsupported model
#define LLAMA_SAE_ERR_OUT_OF_RANGE      -4  // layer, position or latent outside its range
#define LLAMA_SAE_ERR_CONTEXT_OVERFLOW  -5  // a prompt does not fit into the context
#define LLAMA_SAE_ERR_BUFFER_TOO_SMALL  -6  // caller buffer too small; the required size is returned
#define LLAMA_SAE_ERR_DECODE            -7  // llama_decode failed or the hook aborted the pass
#define LLAMA_SAE_ERR_STATE             -8  // call out of order (e.g. results before a run)
#define LLAMA_SAE_ERR_INTERNAL          -9  // unexpected failure (message says what)

// Description of the last failure on the calling thread ("" if none). Valid until the next
// llama_sae_* call on this thread.
const char * llama_sae_last_error(void);

// 0: errors only (default), 1: warnings, 2: everything llama.cpp logs. Env LLAMA_SAE_VERBOSE
// sets the initial value.
void llama_sae_set_log_level(int32_t level);

// Version string of the engine and the llama.cpp it was built with.
const char * llama_sae_version(void);

// True when the engine was built with CUDA (LLAMA_SAE_CUDA=ON) and a CUDA device is present: hook
// work on tensors in device memory then runs on the GPU with the kernels in cuda/.
bool llama_sae_has_cuda(void);

// True when the engine was built with CUDA (whether or not a device is present).
bool llama_sae_built_with_cuda(void);

// ---- model -----------------------------------------------------------------------------------
typedef struct llama_sae_model llama_sae_model;

struct llama_sae_model_params {
    int32_t n_gpu_layers;  // layers offloaded to the GPU backend (0 = CPU only, -1 = all)
    bool    use_mmap;      // map the file instead of reading it
    int32_t main_gpu;      // -1 (default): llama.cpp's default, offloaded layers split over every visible GPU;
                           // >= 0: the whole model on this GPU (index among the GPUs llama.cpp sees, which for
                           // CUDA is the CUDA ordinal), as a scheduler (Spark) assigned it; ignored when
                           // n_gpu_layers == 0. ERR_INVALID_ARGUMENT when no such GPU exists.
};

struct llama_sae_model_params llama_sae_model_default_params(void);

// Loads a GGUF model. Before llama.cpp sees the file, checks that it is a readable regular file
// with a well-formed GGUF header whose hyperparameters, vocabulary and weight types llama.cpp can
// load without asserting (see native/src/gguf_check.h); a load llama.cpp refuses reports the
// reason llama.cpp logged. The first call loads the best CPU backend module for this machine.
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT, ERR_IO, ERR_FORMAT or ERR_INTERNAL (no backend).
int32_t llama_sae_model_load(const char * path, struct llama_sae_model_params params,
                             llama_sae_model ** out_model);

void llama_sae_model_free(llama_sae_model * model);

struct llama_sae_model_info {
    char    architecture[64];  // general.architecture, e.g. "llama"
    char    description[128];  // llama.cpp's one-line description (type, size, quantization)
    int32_t n_layer;           // transformer blocks
    int32_t n_embd;            // residual-stream width (rows captured have this length)
    int32_t n_head;
    int32_t n_head_kv;
    int32_t n_vocab;
    int32_t n_ctx_train;       // context length the model was trained with
    int64_t n_params;
    int64_t size_bytes;        // bytes of all weight tensors
    int32_t bos_token;         // -1 if none
    int32_t eos_token;         // -1 if none
    bool    add_bos;           // whether the vocabulary asks for a BOS token
};

// Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_model_get_info(const llama_sae_model * model, struct llama_sae_model_info * out_info);

// Tokenizes text_len bytes of UTF-8 text. add_bos adds the model's BOS token (if it has one).
// On success *n_tokens is the token count. If n_max is too small, returns
// ERR_BUFFER_TOO_SMALL with *n_tokens set to the required count.
int32_t llama_sae_tokenize(const llama_sae_model * model, const char * text, int32_t text_len,
                           bool add_bos, int32_t * tokens, int32_t n_max, int32_t * n_tokens);

// As llama_sae_tokenize; with parse_special, text naming a special token (e.g. "<|begin_of_text|>",
// the markers of an instruct model's chat template) becomes that token instead of plain text.
int32_t llama_sae_tokenize_special(const llama_sae_model * model, const char * text, int32_t text_len,
                                   bool add_bos, bool parse_special, int32_t * tokens, int32_t n_max,
                                   int32_t * n_tokens);

// Writes the text piece of one token into buf (not NUL-terminated); *n_bytes = its length.
// ERR_BUFFER_TOO_SMALL with *n_bytes = required length; ERR_OUT_OF_RANGE for a bad token id.
int32_t llama_sae_token_to_piece(const llama_sae_model * model, int32_t token, char * buf,
                                 int32_t buf_len, int32_t * n_bytes);

// ---- context: batched forward passes with the hook ---------------------------------------------
typedef struct llama_sae_context llama_sae_context;

struct llama_sae_context_params {
    int32_t n_ctx;        // tokens per decode call, all sequences together (0 = min(train ctx, 4096));
                          // with kv_per_seq: tokens per sequence (prompt + generated tokens)
    int32_t n_seq_max;    // prompts per decode call (distinct sequence ids), 1..256
    int32_t n_pack;       // tokens packed into one decode call before starting another (0 = 512);
                          // packed prompts share a unified KV cache, so attention costs grow with
                          // the packed length; a single longer prompt (up to n_ctx) still runs alone
    int32_t n_threads;    // CPU threads (0 = all cores)
    bool    hook;         // install the eval callback; false = plain llama.cpp (the baseline)
    bool    kv_f32;       // F32 KV cache and no flash attention (exact comparisons with references)
    bool    kv_per_seq;   // one KV cache per sequence (llama.cpp's kv_unified = false): each token
                          // attends over its own sequence only, so a step of generate costs O(n_seq)
                          // instead of O(n_seq^2); a decode call then holds prompts of one length
                          // (llama.cpp splits sequences of unequal length into separate ubatches)
    int32_t hook_mode;    // LLAMA_SAE_HOOK_*: how the hook joins llama.cpp's forward pass (when hook)
};

// Hook modes (llama_sae_context_params.hook_mode; the environment variable LLAMA_SAE_HOOK=callback
// or =graph overrides the field, for benchmarks). Both run the same per-layer pipeline with the same
// results (test_engine_in_graph checks them against each other).
#define LLAMA_SAE_HOOK_CALLBACK 0  // llama.cpp's eval callback: each hooked layer splits the graph and
                                   // synchronizes (the reference path; the default)
#define LLAMA_SAE_HOOK_IN_GRAPH 1  // an op inside llama.cpp's graph at each hooked layer (no split).
                                   // Needs the project's llama.cpp patch (llama_sae_has_in_graph_hook);
                                   // in this version for models on the CPU backend (n_gpu_layers = 0):
                                   // other models are refused with ERR_INVALID_ARGUMENT

// True when this build's llama.cpp carries the per-layer graph hook (cmake/patches/), so contexts
// can use LLAMA_SAE_HOOK_IN_GRAPH.
bool llama_sae_has_in_graph_hook(void);

struct llama_sae_context_params llama_sae_context_default_params(void);

// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (also: an in-graph hook this build or model cannot
// run) or ERR_INTERNAL (llama.cpp refused the context).
int32_t llama_sae_context_init(llama_sae_model * model, struct llama_sae_context_params params,
                               llama_sae_context ** out_ctx);

void llama_sae_context_free(llama_sae_context * ctx);

// Tokens one decode call holds (the resolved n_ctx; with kv_per_seq: tokens one sequence holds);
// 0 for a null context.
int32_t llama_sae_context_n_ctx(const llama_sae_context * ctx);

// What to capture in the next runs. layers: block indices in [0, n_layer), distinct; their
// results come back in this order (the "layer slot"). positions: >= 0 absolute token index, < 0
// counted from the end (-1 = last token); ignored when all_positions is true. n_layers == 0
// disables capture. No positions (and not all) captures no prompt rows: only generated steps.
// Capturing the last layer never adds logits rows when llama.cpp carries the project's patch
// (cmake/patches/): the last layer then keeps the captured rows without computing their logits.
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT, ERR_OUT_OF_RANGE (layer) or ERR_STATE (no hook).
int32_t llama_sae_context_set_capture(llama_sae_context * ctx,
                                      const int32_t * layers, int32_t n_layers,
                                      const int32_t * positions, int32_t n_positions,
                                      bool all_positions);

// What every captured layer produces, a mask of LLAMA_SAE_OUTPUT_*. CODES, STATS and METRICS
// apply to captured layers with an attached SAE; the row is encoded once whatever is asked.
#define LLAMA_SAE_OUTPUT_ROWS    1u  // raw residual rows [n_rows, n_embd] (llama_sae_capture_rows)
#define LLAMA_SAE_OUTPUT_CODES   2u  // sparse codes [n_rows, k] (llama_sae_codes_*)
#define LLAMA_SAE_OUTPUT_STATS   4u  // feature statistics per row block (llama_sae_context_feature_stats)
#define LLAMA_SAE_OUTPUT_METRICS 8u  // reconstruction sums per row block (llama_sae_context_recon_sums)
// Default: ROWS | CODES, top_n 100. top_n: top samples per feature that STATS keeps (0..65536;
// 0 keeps none). Without ROWS the host holds O(k) per captured row and layer, not O(n_embd).
// Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT (unknown bit, top_n out of range).
int32_t llama_sae_context_set_outputs(llama_sae_context * ctx, uint32_t outputs, int32_t top_n);

// Runs n_prompts tokenized prompts: prompt i is tokens[offsets[i] .. offsets[i+1]).
// Prompts are packed into llama_decode calls of at most n_pack tokens (a longer prompt runs alone)
// and n_seq_max sequences; memory is cleared between calls, so prompts never see each other. With
// kv_per_seq a call holds prompts of one length (taken in order of length).
// Everything is validated before the first decode, the same way whatever backend runs the hook:
// the spec (an SAE where CODES/STATS/METRICS or edits need one: ERR_STATE), empty prompt, a prompt
// longer than n_ctx (ERR_CONTEXT_OVERFLOW), a token id outside the vocabulary, a position outside
// a prompt (ERR_OUT_OF_RANGE; the message names the prompt, the position and the prompt length).
// ERR_DECODE: llama_decode failed, or the hook aborted (a statistic outside its exact range).
int32_t llama_sae_context_run(llama_sae_context * ctx, const int32_t * tokens,
                              const int32_t * offsets, int32_t n_prompts);

// ---- results of the last run ---------------------------------------------------------------------
// Row layout (the same for every captured layer, and the activation file's order): rows come in
// blocks, one per capture position in the order given, then one per generated step; with all
// positions a single block holds every token, prompt by prompt. Each block holds the run's prompts
// in order, so block b of a layer is the next rows of the file tensor layer{L}.pos{P}.
int64_t         llama_sae_capture_n_rows(const llama_sae_context * ctx);
// Row blocks of the last run (0 when nothing was captured).
int32_t         llama_sae_capture_n_blocks(const llama_sae_context * ctx);
// First row of block b (0 <= b <= n_blocks; b = n_blocks gives n_rows); -1 for a bad block.
int64_t         llama_sae_capture_block_offset(const llama_sae_context * ctx, int32_t block);
// [n_rows]: prompt index (0-based, within the last run) and token position of each row.
const int32_t * llama_sae_capture_row_prompts(const llama_sae_context * ctx);
const int32_t * llama_sae_capture_row_positions(const llama_sae_context * ctx);
// [n_rows, n_embd] float32 residual rows of the layer at layer_slot in the capture list, in the
// row layout above; NULL if layer_slot is out of range, nothing was captured or ROWS is off.
const float *   llama_sae_capture_rows(const llama_sae_context * ctx, int32_t layer_slot);
// [n_prompts, n_vocab] logits of the last token of every prompt of the last run.
const float *   llama_sae_context_last_logits(const llama_sae_context * ctx);
int32_t         llama_sae_context_n_prompts(const llama_sae_context * ctx);


// ---- sparse autoencoders ---------------------------------------------------------------------------
// An SAE in the engine's canonical layout (weights are copied in; the caller keeps its own):
//   W_enc [n_latents, n_embd] (row f = encoder direction of latent f), b_enc [n_latents] with any
//   pre-encoder bias already folded in (b_enc' = b_enc - W_enc * b_dec), W_dec [n_latents, n_embd]
//   (row f = decoder direction), b_dec [n_embd], threshold [n_latents] (JumpReLU only, else NULL).
// pre[f] = b_enc[f] + W_enc[f] . x; the activations are LLAMA_SAE_ACT_* (llama_sae_kinds.h).
// Codes of a row: k (index, value) pairs sorted by key descending (pre, |pre| or value); equal
// keys: the lower latent index first. indices int32 [n_rows, k], values float [n_rows, k].
typedef struct llama_sae_sae llama_sae_sae;

struct llama_sae_sae_params {
    int32_t n_embd;      // d, must match the model's n_embd when attached
    int32_t n_latents;   // F
    int32_t k;           // default codes per row, 1..F
    int32_t activation;  // LLAMA_SAE_ACT_*
};

// Copies and validates the weights (finite values; shapes from params).
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (null weight, bad shape, k outside 1..F, unknown
// activation, NaN/Inf: the message names the tensor and the first bad index).
int32_t llama_sae_sae_create(struct llama_sae_sae_params params, const float * W_enc, const float * b_enc,
                             const float * W_dec, const float * b_dec, const float * threshold,
                             llama_sae_sae ** out_sae);

void llama_sae_sae_free(llama_sae_sae * sae);

// Encodes n_rows rows x [n_rows, n_embd] into indices/values [n_rows, k] with n_threads threads
// (0 = all cores). k = 0 uses the SAE's default. Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_sae_encode(const llama_sae_sae * sae, const float * x, int64_t n_rows, int32_t k,
                             int32_t * indices, float * values, int32_t n_threads);

// Reconstructs out [n_rows, n_embd] = b_dec + sum_j values[r, j] * W_dec[indices[r, j]]
// (index -1 = padding, skipped). Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT or ERR_OUT_OF_RANGE.
int32_t llama_sae_sae_decode(const llama_sae_sae * sae, const int32_t * indices, const float * values,
                             int64_t n_rows, int32_t k, float * out);

// Attaches an SAE to a block of the context: runs then encode the block's captured rows inside
// the hook, and interventions at the block use it. The SAE must outlive the attachment; NULL
// detaches (ERR_STATE while the block has interventions). k = 0 uses the SAE's default.
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (width mismatch, bad k), ERR_OUT_OF_RANGE or ERR_STATE.
int32_t llama_sae_context_set_sae(llama_sae_context * ctx, int32_t layer, const llama_sae_sae * sae, int32_t k);

// Codes of the last run for the layer at layer_slot: indices/values [n_rows, k] in the row
// layout of the captured rows; NULL when no SAE is attached there or CODES is off.
// llama_sae_codes_k gives k (0 if none).
int32_t         llama_sae_codes_k(const llama_sae_context * ctx, int32_t layer_slot);
const int32_t * llama_sae_codes_indices(const llama_sae_context * ctx, int32_t layer_slot);
const float *   llama_sae_codes_values(const llama_sae_context * ctx, int32_t layer_slot);

// Feature statistics of the last run's rows of one (layer slot, row block), with STATS or METRICS
// (features touched in the run only: merge them into running totals, e.g. Java's
// FeatureStatistics, which uses the same definitions and merges bit for bit):
//   an entry of a code is active iff its index >= 0 and its value != 0; per feature: count of
//   active rows, sum |a| and sum a as exact 128-bit fixed point (every value rounded once to a
//   multiple of 2^-40, ties toward +inf; (hi, lo) int64 words, lo unsigned), max |a|; with STATS,
//   the top_n active entries by |a| descending, then prompt, then position ascending, and the
//   histogram of the active values: Java's ActivationHistogram bins (|a| in 16 bins per octave
//   over [2^-20, 2^20) from the float's bits, clamped), key = bin for a > 0, 640 + bin for a < 0.
// Pointers stay valid until the next run.
struct llama_sae_feature_stats {
    int64_t         rows;          // rows accumulated (active or not): the frequency denominator
    int32_t         n_features;    // features active in the run (entries below)
    const int32_t * feature;       // [n_features] latent ids, ascending
    const int64_t * count;         // [n_features]
    const int64_t * sum_abs;       // [2 n_features] (hi, lo) of sum |a| * 2^40
    const int64_t * sum;           // [2 n_features] (hi, lo) of sum a * 2^40
    const float *   max_abs;       // [n_features]
    const int32_t * top_offset;    // [n_features + 1] top entries of feature i: top_offset[i] .. top_offset[i + 1]
    const float *   top_value;     // activation (signed)
    const int32_t * top_prompt;    // prompt within the run
    const int32_t * top_position;  // token position
    const int32_t * hist_offset;   // [n_features + 1] histogram entries of feature i: hist_offset[i] .. hist_offset[i + 1]
    const int32_t * hist_key;      // bin key (see above), ascending within a feature
    const int64_t * hist_count;    // active values in that bin
};
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (null, bad slot or block) or ERR_STATE (no results,
// no SAE at the layer, STATS and METRICS both off).
int32_t llama_sae_context_feature_stats(const llama_sae_context * ctx, int32_t layer_slot, int32_t block,
                                        struct llama_sae_feature_stats * out);

// Reconstruction sums of the last run's rows of one (layer slot, row block), with METRICS: the
// numerators and denominators of explained variance, MSE and mean cosine of Java's SaeMetrics,
// summed exactly like the feature statistics (each per-element quantity rounded once):
//   sums [2 (3 + n_embd)] = (hi, lo) of sum (x - x_hat)^2, sum x^2, sum cos(x, x_hat), then sum x_i
//   per dimension; x_hat = decode(codes). L0 and dead latents follow from the feature counts.
struct llama_sae_recon_sums {
    int64_t         rows;
    int32_t         n_embd;
    const int64_t * sums;
};
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT or ERR_STATE (no results, no SAE, METRICS off).
int32_t llama_sae_context_recon_sums(const llama_sae_context * ctx, int32_t layer_slot, int32_t block,
                                     struct llama_sae_recon_sums * out);

// ---- spliced-in SAE evaluation -------------------------------------------------------------------
// How much of the model's next-token performance an SAE keeps when it replaces the residual stream
// (SAELens' get_recons_loss, without ignored tokens): for each given layer (an SAE must be attached)
// the prompts run three ways, packed into decode calls as llama_sae_context_run packs them, with
// logits at every token:
//   clean           the model as is (one decode per call, shared by every layer);
//   spliced         the layer's residual at EVERY token replaced by the SAE's reconstruction
//                   decode(encode(h)) = b_dec + W_dec^T z;
//   zero-ablated    the layer's residual at every token set to zero.
// Per token t of a prompt of n tokens: next-token cross-entropy CE_t = logsumexp(l_t) - l_t[tok_{t+1}]
// for t < n - 1, and KL_t = sum_v p_clean(v) (log p_clean(v) - log p_other(v)) for every t, in
// double from the float logits. Every per-token value is rounded once to a multiple of 2^-40 and
// summed exactly (as the feature statistics), so any split of a dataset into runs merges bit for
// bit. Means are sums / token counts; SAELens' ce_loss_score ("CE loss recovered") is
// (CE_zero - CE_spliced) / (CE_zero - CE_clean). Cost: 1 + 2 n_layers decodes per call, each with
// logits for every token; the clean logits of one call are kept meanwhile ([call tokens, n_vocab]
// floats, the size of llama.cpp's own logits buffer). Captures and interventions are neither used
// nor changed; the capture results of the last run are invalidated.
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (null, bad count, duplicate layer), ERR_OUT_OF_RANGE
// (layer), ERR_STATE (no SAE at a layer, no hook), the errors of llama_sae_context_run.
int32_t llama_sae_context_eval_splice(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets,
                                      int32_t n_prompts, const int32_t * layers, int32_t n_layers);

// The sums of the last eval_splice (valid until the next eval_splice or until the context is freed).
struct llama_sae_splice_sums {
    int64_t         ce_tokens;  // next-token predictions counted: sum over prompts of (length - 1)
    int64_t         kl_tokens;  // positions counted for KL: sum of prompt lengths
    int32_t         n_layers;
    const int32_t * layers;     // [n_layers] as given
    const int64_t * clean_ce;   // [2] (hi, lo) of sum CE_t of the clean model, * 2^40
    const int64_t * sums;       // [8 n_layers] per layer, (hi, lo) * 2^40 of: sum CE_t spliced, sum KL_t spliced,
                                // sum CE_t zero-ablated, sum KL_t zero-ablated
};
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT (null) or ERR_STATE (no eval_splice results).
int32_t llama_sae_context_splice_sums(const llama_sae_context * ctx, struct llama_sae_splice_sums * out);

// ---- interventions ------------------------------------------------------------------------------
// Edits of a row's SAE code z at a block (the SAE attached there defines the latents): op is a
// LLAMA_SAE_EDIT_* kind and mode a LLAMA_SAE_EDIT_MODE_* (llama_sae_kinds.h). Every edit reads the
// original z; when several edits write one latent the last one wins; steers add in order. Every
// backend accepts exactly these edits (the CUDA backend runs what its device table cannot hold
// on the host).

struct llama_sae_edit {
    int32_t layer;    // block index; an SAE must be attached there
    int32_t latent;   // 0..F-1
    int32_t op;       // LLAMA_SAE_EDIT_*
    float   value;    // scale factor, clamp value or steering coefficient (finite)
    int32_t partner;  // swap partner latent (SWAP only)
};

// Replaces the context's interventions (n_edits = 0 clears them). They apply in every following
// run and generate call at the given prompt positions (>= 0 absolute, < 0 from the end), at every
// prompt position if all_positions, and at every generated token if generated. Rows whose code
// does not change are left bit-identical (swapping a latent with itself, ablating an inactive
// latent, scaling by 1). Everything is validated before anything changes.
// Returns LLAMA_SAE_OK, ERR_INVALID_ARGUMENT, ERR_OUT_OF_RANGE (layer, latent, partner) or
// ERR_STATE (no SAE at the layer, no hook).
int32_t llama_sae_context_set_edits(llama_sae_context * ctx, const struct llama_sae_edit * edits, int32_t n_edits,
                                    int32_t mode, const int32_t * positions, int32_t n_positions,
                                    bool all_positions, bool generated);

// Whether captured rows show the residual before (false, default) or after (true) the block's
// interventions. Codes are computed once per row either way: they are the code z of the residual
// the block produced, the one the edits start from. Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_context_set_capture_after_edits(llama_sae_context * ctx, bool after);

// ---- generation ---------------------------------------------------------------------------------
struct llama_sae_generate_params {
    int32_t  max_tokens;   // new tokens per prompt at most (>= 1)
    float    temperature;  // 0 = greedy; > 0 = sampling at this temperature
    uint32_t seed;         // sampler seed (sampling only)
};

struct llama_sae_generate_params llama_sae_generate_default_params(void);

// Generates continuations of n_prompts prompts together (one sequence each, one batched decode per
// step) until each produces an end-of-generation token or max_tokens. All prompts must fit at
// once: n_prompts <= n_seq_max and the sum of prompt lengths plus n_prompts * max_tokens <= n_ctx
// (with kv_per_seq: every prompt's length plus max_tokens <= n_ctx); ERR_CONTEXT_OVERFLOW
// otherwise. The prefill is one decode call (with kv_per_seq: one per group of equal-length
// prompts; when sequences end, the KV caches of later ones are copied down into the freed
// sequence ids, so every step stays one ubatch in batch order). Captures (prompt positions
// only) and interventions apply as in llama_sae_context_run. After it, last_logits holds the
// logits at each prompt's last token (the first generated step) and llama_sae_generated_tokens
// the new tokens (the end-of-generation token is not included).
int32_t llama_sae_context_generate(llama_sae_context * ctx, const int32_t * tokens, const int32_t * offsets,
                                   int32_t n_prompts, struct llama_sae_generate_params params);

// Generated steps to capture during llama_sae_context_generate (1-based: step K is the residual of
// the K-th generated token as it goes through the model, at position prompt_len + K - 1), at the
// layers of the capture list. Each step is a row block after the prompt-position blocks (one row
// per prompt). A sequence that ended before step K leaves that row NaN (codes -1 / 0, not counted
// in statistics) with position -1.
// generate() then needs max_tokens > the largest K. n_steps = 0 clears.
// Returns LLAMA_SAE_OK or ERR_INVALID_ARGUMENT.
int32_t llama_sae_context_set_capture_generated(llama_sae_context * ctx, const int32_t * steps, int32_t n_steps);

// New tokens of prompt i of the last generate call, and their count; NULL / 0 otherwise.
const int32_t * llama_sae_generated_tokens(const llama_sae_context * ctx, int32_t prompt, int32_t * n_tokens);

#ifdef __cplusplus
}
#endif

#endif  // LLAMA_SAE_H
