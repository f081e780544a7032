// The per-layer pipeline of the hook, and the backend interface that runs it.
//
// At the residual stream of a hooked block ("l_out-<il>") one LayerCall describes the work of one
// decode call: the rows the layer reads (captured rows and edited rows, each once), and what to do
// with them. A backend runs the same steps wherever the tensor lives:
//   gather rows -> encode ONCE (rows that need a code) -> consumers of the captured rows
//   (raw rows, sparse codes, feature statistics, reconstruction sums) -> edits in place
//   (h += W_dec^T (z' - z), or the reconstruction mode), with the captured rows taken before the
//   edits unless capture_after_edits (their codes are always the z the edits started from).
// Backends (cpu_backend.cpp, cuda_backend.cpp) never reject a spec: what the engine accepts is
// decided once, before decoding (validate_spec, plan_prompts), and a backend that cannot run some
// work on its device runs it through the CPU backend's host path instead (a defined fallback).
#pragma once

#include "llama_sae.h"

#include "decode_plan.h"
#include "feature_stats.h"
#include "sparse_edit.h"
#include "thread_pool.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct ggml_context;
struct ggml_tensor;
struct llama_sae_sae;

namespace llama_sae {

// A block's edits, in the order given (the kernel's semantics: every edit reads the original code,
// a later write to the same latent wins; steers add alpha * W_dec[f] in order).
struct EditTable {
    std::vector<LatentEdit> edits;                  // scale / clamp / swap
    std::vector<std::pair<int32_t, float>> steers;  // (latent, alpha)
    uint64_t version = 0;                           // changes with every set_edits (device tables follow it)
    bool any() const { return !edits.empty() || !steers.empty(); }
    // True when no edit can change a row (only swaps of a latent with itself): rows stay untouched.
    bool noop() const;
};

// What replaces every edited row of a layer during a spliced-in evaluation (splice_eval.cpp).
enum class Splice : int32_t {
    None = 0,
    Reconstruction = 1,  // h' = decode(encode(h)) = b_dec + W_dec^T z
    Zero = 2,            // h' = 0 (zero ablation)
};

// What the hook does at one block.
struct LayerSpec {
    int32_t slot = -1;                    // capture slot, or -1
    const llama_sae_sae * sae = nullptr;  // attached SAE: codes of captured rows, edits
    int32_t k = 0;
    EditTable edits;
    Splice splice = Splice::None;         // set only by eval_splice, on its own copy of the specs
};

// Settings every layer call shares.
struct PipelineConfig {
    int32_t n_embd = 0;
    uint32_t outputs = LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES;  // LLAMA_SAE_OUTPUT_*
    int32_t top_n = 100;
    int32_t edit_mode = LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING;
    bool capture_after_edits = false;
    ThreadPool * pool = nullptr;  // the kernels' threads (llama.cpp's are idle while the hook runs)
};

// Results of one captured layer in the last run, in the row layout of decode_plan.h.
struct SlotResults {
    std::vector<float> rows;            // [n_rows, n_embd]          (OUTPUT_ROWS)
    int32_t k = 0;                      // codes per row, 0 without an SAE
    std::vector<int32_t> idx;           // [n_rows, k]               (OUTPUT_CODES)
    std::vector<float> val;             // [n_rows, k]
    std::vector<FeatureStatsAcc> stats; // [n_blocks]                (OUTPUT_STATS or OUTPUT_METRICS)
    std::vector<ReconSums> recon;       // [n_blocks]                (OUTPUT_METRICS)
};

struct RunResults {
    RowLayout layout;
    int32_t n_prompts = 0;
    std::vector<SlotResults> slots;               // per capture slot
    std::vector<float> last_logits;               // [n_prompts, n_vocab]
    std::vector<std::vector<int32_t>> generated;  // per prompt, after generate
};

// One layer's work in one decode call.
struct LayerCall {
    ggml_tensor * t = nullptr;
    int32_t layer = -1;
    const LayerSpec * spec = nullptr;
    const CallPlan * plan = nullptr;
    const PipelineConfig * cfg = nullptr;
    SlotResults * out = nullptr;         // the layer's results when it is captured
    bool wants_codes = false;            // captured rows need codes (codes, statistics or metrics)
    // Rows in pipeline order: edited rows first, then captured rows that need codes, then the rest.
    std::vector<int32_t> sel;            // work indices (CallPlan arrays)
    std::vector<int32_t> src;            // row of each in t
    std::vector<int32_t> sel_of_work;    // work index -> position in sel, -1 if not read here
    int32_t n_edit = 0;                  // sel[0, n_edit) are edited
    int32_t n_code = 0;                  // sel[0, n_code) are encoded
    // When the captured rows are exactly one run of consecutive result rows in sel order (one
    // block, no edits), the results themselves are the gather target: first result row, else -1.
    int64_t direct_row = -1;
    bool rows_in_place = false;          // the backend gathered straight into out->rows (direct_row)
    bool codes_in_place = false;         // the backend encoded straight into out->idx / out->val
    std::string error;                   // set when a step fails (the hook then aborts the decode)

    int32_t k() const;
};

// Runs layer calls on the memory that holds the tensor.
class Backend {
public:
    virtual ~Backend() = default;
    virtual const char * name() const = 0;
    // Before the first decode of a run / after its last one (device statistics are flushed here).
    virtual void begin_run(std::vector<SlotResults> & slots) = 0;
    virtual bool finish_run(std::vector<SlotResults> & slots, std::string * error) = 0;
    // One layer call; false with call.error set on failure.
    virtual bool run_layer(LayerCall & call) = 0;
    // After each llama_decode of a run: work a backend deferred past the callbacks (the CUDA
    // backend's host consumers) is finished here. False with *error set on failure.
    virtual bool finish_call(std::string * error) { (void) error; return true; }
    // A results buffer (rows, indices, values) is about to be freed or moved: a backend that
    // page-locked it releases it first.
    virtual void release_host(const void * p) { (void) p; }
};

// The host consumers of captured rows, shared by the backends. x: [len(sel), d] host rows in sel
// order (may be null when neither rows nor metrics are wanted); idx/val: codes of sel[0, n_code).
// moments_on_device: the feature moments were accumulated elsewhere (CUDA); only the top samples
// and row counts are added here.
bool consume_captured(LayerCall & call, const float * x, const int32_t * idx, const float * val, bool moments_on_device);

std::unique_ptr<Backend> make_cpu_backend();
// The CUDA backend, or null when this build has no CUDA hook or there is no device.
std::unique_ptr<Backend> make_cuda_backend(Backend * host_fallback);
bool cuda_backend_available();
// Frees an SAE's device copy (llama_sae_sae_free).
void cuda_release_sae(llama_sae_sae * sae);

struct Hook;

// The user data of one layer's op inside llama.cpp's graph (LLAMA_SAE_HOOK_IN_GRAPH).
struct GraphLayer {
    Hook * hook = nullptr;
    int32_t il = -1;
};

// What the eval callback (and the in-graph ops) need; lives inside the context.
struct Hook {
    const std::vector<LayerSpec> * layers = nullptr;  // n_layer entries
    const PipelineConfig * cfg = nullptr;
    std::vector<SlotResults> * slots = nullptr;
    const CallPlan * plan = nullptr;  // the decode call in flight
    int32_t n_layer = 0;
    std::unique_ptr<Backend> cpu;
    std::unique_ptr<Backend> cuda;    // null without CUDA
    std::string error;                // set by the callback when it aborts the pass
    std::vector<GraphLayer> graph_layers;  // [n_layer]: in-graph ops' user data (stable addresses)
    std::vector<uint8_t> graph_ops;        // in-graph mode: layers the current graphs give an op
};

// The callback path: llama.cpp's cb_eval (ask by name, then run the layer's pipeline).
bool eval_callback(struct ggml_tensor * t, bool ask, void * user_data);

// The in-graph path: llama_layer_hook_fn of the patched llama.cpp. Adds an in-place op after layer
// il's residual when that layer may capture or edit (ops_wanted); the op runs the same pipeline as
// the callback on the same tensor, inside the graph (no split).
struct ggml_tensor * build_layer_op(struct ggml_context * ctx, struct ggml_tensor * cur, int32_t il, void * user_data);
// Per layer: whether the spec can make it capture or edit (what build_layer_op gives an op).
std::vector<uint8_t> ops_wanted(const Hook & h);

}  // namespace llama_sae
