// Model loading, model info and tokenization (llama_sae_model_*, llama_sae_tokenize).
#include "api_error.h"
#include "backend_loader.h"
#include "engine_internal.h"
#include "gguf_check.h"
#include "llama_log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace llama_sae;

namespace {

void copy_str(char * dst, size_t cap, const std::string & s) {
    std::snprintf(dst, cap, "%s", s.c_str());
}

}  // namespace

extern "C" {

void llama_sae_set_log_level(int32_t level) { llama_sae::set_log_level(level); }

const char * llama_sae_version(void) {
    // The CPU features come from the backend module chosen for this machine, so load it first.
    static const std::string v = [] {
        std::string backends;
        try {
            install_log_filter();
            ensure_backends();
            const char * wait = std::getenv("OMP_WAIT_POLICY");
            const char * spin = std::getenv("GOMP_SPINCOUNT");
            backends = std::string(llama_print_system_info()) + " | backends from " + backend_dir() +
                       " | OMP_WAIT_POLICY=" + (wait ? wait : "(unset)") + " GOMP_SPINCOUNT=" + (spin ? spin : "(unset)");
        } catch (const std::exception & e) {
            backends = std::string("no backend: ") + e.what();
        }
        return std::string("llama-sae 0.1.0 (llama.cpp from node-llama-cpp 3.22.1; ") + backends + ")";
    }();
    return v.c_str();
}

bool llama_sae_has_cuda(void) { return llama_sae::cuda_backend_available(); }

bool llama_sae_has_in_graph_hook(void) {
#ifdef LLAMA_SAE_LLAMA_PATCHED
    return true;
#else
    return false;
#endif
}

bool llama_sae_built_with_cuda(void) {
#ifdef LLAMA_SAE_WITH_CUDA
    return true;
#else
    return false;
#endif
}

struct llama_sae_model_params llama_sae_model_default_params(void) {
    llama_sae_model_params p{};
    p.n_gpu_layers = 0;
    p.use_mmap = true;
    p.main_gpu = -1;
    return p;
}

int32_t llama_sae_model_load(const char * path, struct llama_sae_model_params params, llama_sae_model ** out_model) {
    return guarded([&] {
        if (!path || !out_model) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "model_load: path and out_model must not be null");
        *out_model = nullptr;
        check_gguf_before_load(path);
        install_log_filter();
        ensure_backends();
        llama_model_params mp = llama_model_default_params();
        mp.n_gpu_layers = params.n_gpu_layers;
        mp.load_mode = params.use_mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
        if (params.main_gpu >= 0 && params.n_gpu_layers != 0) {
            // One GPU for the whole model (split_mode NONE), checked here: llama.cpp only logs a bad index.
            int32_t n_gpus = 0;
            for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
                if (ggml_backend_dev_type(ggml_backend_dev_get(i)) == GGML_BACKEND_DEVICE_TYPE_GPU) ++n_gpus;
            }
            if (params.main_gpu >= n_gpus) {
                fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "model_load: main_gpu: expected a GPU index in [0, " + std::to_string(n_gpus)
                     + ") but found " + std::to_string(params.main_gpu) + (n_gpus == 0 ? " (no GPU backend in this build or no device)" : ""));
            }
            mp.split_mode = LLAMA_SPLIT_MODE_NONE;
            mp.main_gpu = params.main_gpu;
        }
        llama_model * m = nullptr;
        std::string reason;
        {
            LogCapture capture;  // llama.cpp logs why a load fails; the message carries it
            m = llama_model_load_from_file(path, mp);
            reason = capture.reason();
        }
        if (!m) {
            fail(LLAMA_SAE_ERR_FORMAT, std::string(path) + ": model: expected a model llama.cpp can load but it refused: " +
                 (reason.empty() ? "no reason logged (set LLAMA_SAE_VERBOSE=2 for llama.cpp's log)" : reason));
        }
        auto * h = new llama_sae_model();
        h->model = m;
        h->vocab = llama_model_get_vocab(m);
        h->path = path;
        h->n_layer = llama_model_n_layer(m);
        h->n_embd = llama_model_n_embd(m);
        h->n_vocab = llama_vocab_n_tokens(h->vocab);
        h->n_gpu_layers = params.n_gpu_layers;
        *out_model = h;
    });
}

void llama_sae_model_free(llama_sae_model * model) {
    if (!model) return;
    llama_model_free(model->model);
    delete model;
}

int32_t llama_sae_model_get_info(const llama_sae_model * model, struct llama_sae_model_info * out) {
    return guarded([&] {
        if (!model || !out) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "model_get_info: model and out_info must not be null");
        std::memset(out, 0, sizeof *out);
        char buf[128];
        if (llama_model_meta_val_str(model->model, "general.architecture", buf, sizeof buf) >= 0) {
            copy_str(out->architecture, sizeof out->architecture, buf);
        }
        llama_model_desc(model->model, buf, sizeof buf);
        copy_str(out->description, sizeof out->description, buf);
        out->n_layer = model->n_layer;
        out->n_embd = model->n_embd;
        out->n_head = llama_model_n_head(model->model);
        out->n_head_kv = llama_model_n_head_kv(model->model);
        out->n_vocab = model->n_vocab;
        out->n_ctx_train = llama_model_n_ctx_train(model->model);
        out->n_params = (int64_t) llama_model_n_params(model->model);
        out->size_bytes = (int64_t) llama_model_size(model->model);
        out->bos_token = llama_vocab_bos(model->vocab);
        out->eos_token = llama_vocab_eos(model->vocab);
        out->add_bos = llama_vocab_get_add_bos(model->vocab);
    });
}

int32_t llama_sae_tokenize(const llama_sae_model * model, const char * text, int32_t text_len, bool add_bos,
                           int32_t * tokens, int32_t n_max, int32_t * n_tokens) {
    return llama_sae_tokenize_special(model, text, text_len, add_bos, false, tokens, n_max, n_tokens);
}

int32_t llama_sae_tokenize_special(const llama_sae_model * model, const char * text, int32_t text_len, bool add_bos,
                                   bool parse_special, int32_t * tokens, int32_t n_max, int32_t * n_tokens) {
    int32_t needed = 0;
    const int32_t st = guarded([&] {
        if (!model || !text || !n_tokens || text_len < 0 || n_max < 0 || (n_max > 0 && !tokens)) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "tokenize: null pointer or negative length");
        }
        *n_tokens = 0;
        if (add_bos) {
            // llama_tokenize asserts (aborts) when the vocabulary asks for a BOS/EOS/SEP token it lacks.
            const llama_vocab * v = model->vocab;
            auto missing = [&](bool wanted, llama_token id, const char * what) {
                if (wanted && id == LLAMA_TOKEN_NULL) {
                    fail(LLAMA_SAE_ERR_FORMAT, model->path + ": tokenizer: expected a " + what + " token (the vocabulary asks for one "
                         "at the start/end of every prompt) but the model has none");
                }
            };
            missing(llama_vocab_get_add_bos(v), llama_vocab_bos(v), "BOS");
            missing(llama_vocab_get_add_eos(v), llama_vocab_eos(v), "EOS");
            missing(llama_vocab_get_add_sep(v), llama_vocab_sep(v), "separator");
        }
        int32_t n = llama_tokenize(model->vocab, text, text_len, tokens, n_max, add_bos, parse_special);
        if (n == INT32_MIN) fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "tokenize: text too long");
        if (n < 0) {
            needed = -n;
            fail(LLAMA_SAE_ERR_BUFFER_TOO_SMALL, "tokenize: buffer of " + std::to_string(n_max) +
                 " tokens too small, need " + std::to_string(-n));
        }
        *n_tokens = n;
    });
    if (st == LLAMA_SAE_ERR_BUFFER_TOO_SMALL) *n_tokens = needed;
    return st;
}

int32_t llama_sae_token_to_piece(const llama_sae_model * model, int32_t token, char * buf, int32_t buf_len,
                                 int32_t * n_bytes) {
    int32_t needed = 0;
    const int32_t st = guarded([&] {
        if (!model || !n_bytes || buf_len < 0 || (buf_len > 0 && !buf)) {
            fail(LLAMA_SAE_ERR_INVALID_ARGUMENT, "token_to_piece: null pointer or negative length");
        }
        *n_bytes = 0;
        if (token < 0 || token >= model->n_vocab) {
            fail(LLAMA_SAE_ERR_OUT_OF_RANGE, "token id " + std::to_string(token) + " outside the vocabulary [0, " +
                 std::to_string(model->n_vocab) + ")");
        }
        int32_t n = llama_token_to_piece(model->vocab, token, buf, buf_len, 0, false);
        if (n < 0) {
            needed = -n;
            fail(LLAMA_SAE_ERR_BUFFER_TOO_SMALL, "token_to_piece: buffer too small");
        }
        *n_bytes = n;
    });
    if (st == LLAMA_SAE_ERR_BUFFER_TOO_SMALL) *n_bytes = needed;
    return st;
}

}  // extern "C"
