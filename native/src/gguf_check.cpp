// GGUF validation before llama_model_load (see gguf_check.h). The limits below are the ones the
// pinned llama.cpp asserts on; each check names the source line it mirrors so that a llama.cpp
// update can be re-checked.
#include "gguf_check.h"

#include "api_error.h"
#include "llama_log.h"

#include "ggml.h"
#include "gguf.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unordered_set>
#include <vector>

namespace llama_sae {

namespace {

constexpr int64_t kMaxLayers = 512;    // LLAMA_MAX_LAYERS (src/llama-hparams.h)
constexpr int64_t kMaxExperts = 1024;  // LLAMA_MAX_EXPERTS (src/llama-hparams.h)

struct GgufFree {
    void operator()(gguf_context * c) const { gguf_free(c); }
};

// Reads the keys of one file and phrases every refusal the same way.
class Header {
public:
    Header(std::string file, const gguf_context * ctx) : file_(std::move(file)), ctx_(ctx) {}

    [[noreturn]] void refuse(const std::string & field, const std::string & expected, const std::string & found) const {
        fail(LLAMA_SAE_ERR_FORMAT, file_ + ": " + field + ": expected " + expected + " but found " + found);
    }

    int64_t find(const std::string & key) const { return gguf_find_key(ctx_, key.c_str()); }

    // An unsigned 32-bit key read the way llama.cpp reads it (exact type UINT32). A key of another
    // type is left to llama.cpp, which refuses it with a clear error of its own.
    bool u32(const std::string & key, int64_t & out) const {
        const int64_t id = find(key);
        if (id < 0 || gguf_get_kv_type(ctx_, id) != GGUF_TYPE_UINT32) return false;
        out = gguf_get_val_u32(ctx_, id);
        return true;
    }

    bool f32(const std::string & key, double & out) const {
        const int64_t id = find(key);
        if (id < 0 || gguf_get_kv_type(ctx_, id) != GGUF_TYPE_FLOAT32) return false;
        out = gguf_get_val_f32(ctx_, id);
        return true;
    }

    bool str(const std::string & key, std::string & out) const {
        const int64_t id = find(key);
        if (id < 0 || gguf_get_kv_type(ctx_, id) != GGUF_TYPE_STRING) return false;
        out = gguf_get_val_str(ctx_, id);
        return true;
    }

    // A per-layer value (llama.cpp's get_key_or_arr): one UINT32 for every layer, or an array of
    // UINT32/INT32 with one entry per layer. Returns the per-layer values (empty if absent or of a
    // type llama.cpp refuses by itself).
    std::vector<int64_t> per_layer(const std::string & key, int64_t n_layer) const {
        std::vector<int64_t> out;
        const int64_t id = find(key);
        if (id < 0) return out;
        const gguf_type t = gguf_get_kv_type(ctx_, id);
        if (t == GGUF_TYPE_UINT32) {
            out.assign(n_layer, gguf_get_val_u32(ctx_, id));
            return out;
        }
        if (t != GGUF_TYPE_ARRAY) return out;
        const gguf_type et = gguf_get_arr_type(ctx_, id);
        const int64_t n = (int64_t) gguf_get_arr_n(ctx_, id);
        if (et != GGUF_TYPE_UINT32 && et != GGUF_TYPE_INT32) return out;
        if (n != n_layer) refuse(key, "an array of " + std::to_string(n_layer) + " entries (one per layer)", std::to_string(n) + " entries");
        const void * data = gguf_get_arr_data(ctx_, id);
        for (int64_t i = 0; i < n; ++i) {
            out.push_back(et == GGUF_TYPE_UINT32 ? (int64_t) ((const uint32_t *) data)[i] : (int64_t) ((const int32_t *) data)[i]);
        }
        return out;
    }

    const gguf_context * ctx() const { return ctx_; }
    const std::string & file() const { return file_; }

private:
    std::string file_;
    const gguf_context * ctx_;
};

void check_regular_file(const char * path) {
    struct stat st {};
    if (stat(path, &st) != 0) fail(LLAMA_SAE_ERR_IO, std::string(path) + ": model file: expected an existing file but found nothing there");
    if (S_ISFIFO(st.st_mode)) fail(LLAMA_SAE_ERR_IO, std::string(path) + ": model file: expected a regular file but found a named pipe");
    if (!S_ISREG(st.st_mode)) {
        fail(LLAMA_SAE_ERR_IO, std::string(path) + ": model file: expected a regular file but found " +
             (S_ISDIR(st.st_mode) ? "a directory" : "a device or socket"));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(LLAMA_SAE_ERR_IO, std::string(path) + ": model file: expected a readable file but it cannot be opened");
    char head[8] = {0};
    in.read(head, sizeof head);
    if (in.gcount() < 8 || std::memcmp(head, "GGUF", 4) != 0) {
        fail(LLAMA_SAE_ERR_FORMAT, std::string(path) + ": magic: expected a GGUF file (the bytes 'GGUF' first) but found " +
             (in.gcount() < 4 ? "a file of " + std::to_string(in.gcount()) + " bytes" : "other bytes"));
    }
    uint32_t version = 0;
    std::memcpy(&version, head + 4, 4);
    if (version < 2 || version > 3) {
        fail(LLAMA_SAE_ERR_FORMAT, std::string(path) + ": GGUF version: expected 2 or 3 but found " + std::to_string(version));
    }
}

// What llama_model_base::load_hparams asserts on for every architecture (src/llama-model.cpp).
void check_general_hparams(const Header & h, const std::string & arch, int64_t & n_layer) {
    const std::string p = arch + ".";
    if (!h.u32(p + "block_count", n_layer)) {
        if (h.find(p + "block_count") < 0) h.refuse(p + "block_count", "the number of transformer blocks", "no such key");
        return;  // a wrong type: llama.cpp refuses it
    }
    // GGML_ASSERT(hparams.n_layer_all > 0 && hparams.n_layer_all <= LLAMA_MAX_LAYERS)
    if (n_layer < 1 || n_layer > kMaxLayers) h.refuse(p + "block_count", "1.." + std::to_string(kMaxLayers), std::to_string(n_layer));
    int64_t nextn = 0;
    // GGML_ASSERT(hparams.n_layer_nextn <= hparams.n_layer_all)
    if (h.u32(p + "nextn_predict_layers", nextn) && nextn > n_layer) {
        h.refuse(p + "nextn_predict_layers", "at most block_count = " + std::to_string(n_layer), std::to_string(nextn));
    }
    int64_t n_expert = 0, groups = 0, group_used = 0;
    h.u32(p + "expert_count", n_expert);
    h.u32(p + "expert_group_count", groups);
    h.u32(p + "expert_group_used_count", group_used);
    // GGML_ASSERT(hparams.n_expert <= LLAMA_MAX_EXPERTS)
    if (n_expert > kMaxExperts) h.refuse(p + "expert_count", "at most " + std::to_string(kMaxExperts), std::to_string(n_expert));
    int64_t used_max = 0;
    for (int64_t u : h.per_layer(p + "expert_used_count", n_layer)) used_max = std::max(used_max, u);
    if (n_expert > 0) {
        // GGML_ASSERT(n_expert_used_max > 0 && <= n_expert), groups < n_expert, n_expert % groups == 0,
        // 0 < group_used < groups
        if (used_max < 1 || used_max > n_expert) {
            h.refuse(p + "expert_used_count", "1..expert_count = " + std::to_string(n_expert), std::to_string(used_max));
        }
        if (groups >= n_expert) h.refuse(p + "expert_group_count", "less than expert_count = " + std::to_string(n_expert), std::to_string(groups));
        if (groups > 1) {
            if (n_expert % groups != 0) h.refuse(p + "expert_group_count", "a divisor of expert_count = " + std::to_string(n_expert), std::to_string(groups));
            if (group_used < 1 || group_used >= groups) {
                h.refuse(p + "expert_group_used_count", "1.." + std::to_string(groups - 1), std::to_string(group_used));
            }
        }
    } else {
        // GGML_ASSERT(n_expert_used_max == 0 && n_expert_groups == 0) without experts
        if (used_max != 0) h.refuse(p + "expert_used_count", "0 (the model has no experts)", std::to_string(used_max));
        if (groups != 0) h.refuse(p + "expert_group_count", "0 (the model has no experts)", std::to_string(groups));
    }
    // GGML_ASSERT(hparams.rope_scaling_type_train != LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED)
    std::string scaling;
    if (h.str(p + "rope.scaling.type", scaling) && scaling != "none" && scaling != "linear" && scaling != "yarn" &&
        scaling != "longrope") {
        h.refuse(p + "rope.scaling.type", "none, linear, yarn or longrope", "'" + scaling + "'");
    }
    // The per-layer arrays throw in llama.cpp when too long, but must also match block_count.
    h.per_layer(p + "feed_forward_length", n_layer);
    h.per_layer(p + "attention.head_count", n_layer);
    h.per_layer(p + "attention.head_count_kv", n_layer);
}

// What the llama architecture's loader and graph (src/models/llama.cpp) need from the header.
void check_llama_hparams(const Header & h, int64_t n_layer) {
    const std::string p = "llama.";
    int64_t n_embd = 0;
    if (!h.u32(p + "embedding_length", n_embd)) return;  // missing or mistyped: llama.cpp refuses it
    if (n_embd < 1) h.refuse(p + "embedding_length", "a width >= 1", std::to_string(n_embd));
    const std::vector<int64_t> heads = h.per_layer(p + "attention.head_count", n_layer);
    if (heads.empty()) {
        if (h.find(p + "attention.head_count") < 0) h.refuse(p + "attention.head_count", "the number of attention heads", "no such key");
        return;
    }
    std::vector<int64_t> kv = h.per_layer(p + "attention.head_count_kv", n_layer);
    if (kv.empty()) kv = heads;  // llama.cpp's default: head_count_kv = head_count
    for (int64_t il = 0; il < n_layer; ++il) {
        const std::string at = n_layer > 1 && heads[il] != heads[0] ? " (layer " + std::to_string(il) + ")" : "";
        if (heads[il] < 1) h.refuse(p + "attention.head_count" + at, "at least 1", std::to_string(heads[il]));
        if (n_embd % heads[il] != 0) {
            h.refuse(p + "attention.head_count" + at, "a divisor of embedding_length = " + std::to_string(n_embd), std::to_string(heads[il]));
        }
        // the attention broadcasts K/V heads over query heads: ggml_mul_mat asserts divisibility
        if (kv[il] < 1 || heads[il] % kv[il] != 0) {
            h.refuse(p + "attention.head_count_kv" + at, "a divisor of head_count = " + std::to_string(heads[il]), std::to_string(kv[il]));
        }
    }
    const int64_t head_dim = n_embd / heads[0];
    // GGML_ASSERT(n_embd_head == hparams.n_embd_head_k()) and (n_embd_head == n_rot) in the graph
    int64_t k_len = head_dim, v_len = head_dim, n_rot = head_dim;
    h.u32(p + "attention.key_length", k_len);
    h.u32(p + "attention.value_length", v_len);
    h.u32(p + "rope.dimension_count", n_rot);
    if (k_len != head_dim) h.refuse(p + "attention.key_length", "embedding_length / head_count = " + std::to_string(head_dim), std::to_string(k_len));
    if (v_len != head_dim) h.refuse(p + "attention.value_length", "embedding_length / head_count = " + std::to_string(head_dim), std::to_string(v_len));
    if (n_rot != head_dim) h.refuse(p + "rope.dimension_count", "embedding_length / head_count = " + std::to_string(head_dim), std::to_string(n_rot));
    for (int64_t f : h.per_layer(p + "feed_forward_length", n_layer)) {
        if (f < 1) h.refuse(p + "feed_forward_length", "a width >= 1", std::to_string(f));
    }
    // Values that load but make every output NaN or meaningless.
    double v = 0;
    if (h.f32(p + "attention.layer_norm_rms_epsilon", v) && !(std::isfinite(v) && v > 0)) {
        h.refuse(p + "attention.layer_norm_rms_epsilon", "a finite value > 0", std::to_string(v));
    }
    if (h.f32(p + "rope.freq_base", v) && !(std::isfinite(v) && v > 0)) {
        h.refuse(p + "rope.freq_base", "a finite value > 0", std::to_string(v));
    }
    if (h.f32(p + "rope.scaling.factor", v) && !(std::isfinite(v) && v >= 0)) {
        h.refuse(p + "rope.scaling.factor", "a finite value >= 0 (0 = no scaling)", std::to_string(v));
    }
}

// llama_vocab::impl::load: duplicate token texts trip GGML_ASSERT(id_to_token.size() ==
// token_to_id.size()); an out-of-range special token id is silently replaced by a default one.
void check_vocab(const Header & h) {
    const gguf_context * ctx = h.ctx();
    // llama_vocab asserts a vocabulary type on every tokenize call; prompts here are always text
    std::string model;
    if (h.str("tokenizer.ggml.model", model) && (model == "none" || model == "no_vocab")) {
        h.refuse("tokenizer.ggml.model", "a tokenizer (prompts are tokenized text)", "'" + model + "' (no vocabulary)");
    }
    // A WordPiece (bert) vocabulary has no byte tokens: llama_vocab::token_to_byte aborts on one
    // while the load caches every token's text.
    const int64_t types = h.find("tokenizer.ggml.token_type");
    if (model == "bert" && types >= 0 && gguf_get_kv_type(ctx, types) == GGUF_TYPE_ARRAY &&
        gguf_get_arr_type(ctx, types) == GGUF_TYPE_INT32) {
        const int32_t * t = (const int32_t *) gguf_get_arr_data(ctx, types);
        for (size_t i = 0; i < gguf_get_arr_n(ctx, types); ++i) {
            if (t[i] == 6) {  // LLAMA_TOKEN_TYPE_BYTE
                h.refuse("tokenizer.ggml.token_type", "no byte tokens (type 6) in a WordPiece ('bert') vocabulary",
                         "one at token " + std::to_string(i));
            }
        }
    }
    const int64_t id = h.find("tokenizer.ggml.tokens");
    if (id < 0 || gguf_get_kv_type(ctx, id) != GGUF_TYPE_ARRAY || gguf_get_arr_type(ctx, id) != GGUF_TYPE_STRING) return;  // llama.cpp refuses
    const int64_t n = (int64_t) gguf_get_arr_n(ctx, id);
    std::unordered_set<std::string> seen;
    seen.reserve((size_t) n);
    for (int64_t i = 0; i < n; ++i) {
        const char * s = gguf_get_arr_str(ctx, id, i);
        if (!seen.insert(s).second) {
            h.refuse("tokenizer.ggml.tokens", "distinct token texts", "'" + std::string(s) + "' again at token " + std::to_string(i));
        }
    }
    static const char * kSpecial[] = {"bos", "eos", "eot", "eom", "unknown", "seperator", "padding", "cls", "mask",
                                      "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep", "prefix", "suffix", "middle"};
    for (const char * s : kSpecial) {
        const std::string key = std::string("tokenizer.ggml.") + s + "_token_id";
        int64_t tok = 0;
        if (h.u32(key, tok) && tok >= n) {
            h.refuse(key, "a token id below the vocabulary size " + std::to_string(n), std::to_string(tok));
        }
    }
}

// Weights must have a type the CPU backend can multiply: ggml asserts (process abort) when no
// backend supports an operation on an integer or F64 weight.
void check_tensor_types(const Header & h) {
    const gguf_context * ctx = h.ctx();
    const int64_t n = gguf_get_n_tensors(ctx);
    for (int64_t i = 0; i < n; ++i) {
        const ggml_type t = gguf_get_tensor_type(ctx, i);
        const bool ok = t == GGML_TYPE_F32 || t == GGML_TYPE_F16 || t == GGML_TYPE_BF16 || ggml_is_quantized(t);
        if (!ok) {
            h.refuse(std::string("tensor '") + gguf_get_tensor_name(ctx, i) + "': type", "a float (F32, F16, BF16) or quantized type",
                     ggml_type_name(t));
        }
    }
}

// The data section must end the file. gguf finds tensor data relative to where the header ends, so
// a header that lost a tensor info (or a key) shifts every tensor onto other bytes, which still
// load as finite garbage; the bytes left over at the end are what gives it away.
void check_data_section(const Header & h, const char * path) {
    const gguf_context * ctx = h.ctx();
    const int64_t n = gguf_get_n_tensors(ctx);
    if (n == 0) return;
    size_t end = 0;
    for (int64_t i = 0; i < n; ++i) end = std::max(end, gguf_get_tensor_offset(ctx, i) + gguf_get_tensor_size(ctx, i));
    end += gguf_get_data_offset(ctx);
    struct stat st {};
    stat(path, &st);
    const size_t size = (size_t) st.st_size;
    const size_t alignment = gguf_get_alignment(ctx);
    if (size < end) {
        h.refuse("tensor data", "at least " + std::to_string(end) + " bytes (where the last tensor's data ends)",
                 std::to_string(size) + " bytes (a truncated file)");
    }
    if (size - end >= alignment) {
        h.refuse("tensor data", "the file to end after the last tensor (" + std::to_string(end) + " bytes, plus padding)",
                 std::to_string(size - end) + " bytes more (a tensor info or key missing from the header, or a damaged file)");
    }
}

}  // namespace

void check_gguf_before_load(const char * path) {
    check_regular_file(path);
    install_log_filter();
    gguf_context * raw = nullptr;
    std::string reason;
    {
        LogCapture capture;
        gguf_init_params params{};
        params.no_alloc = true;
        params.ctx = nullptr;
        raw = gguf_init_from_file(path, params);
        reason = capture.reason();
    }
    if (!raw) {
        fail(LLAMA_SAE_ERR_FORMAT, std::string(path) + ": GGUF header: expected a well-formed header but ggml's parser refused it: " +
             (reason.empty() ? "no reason given" : reason));
    }
    std::unique_ptr<gguf_context, GgufFree> ctx(raw);
    const Header h(path, ctx.get());
    std::string arch;
    if (!h.str("general.architecture", arch)) {
        h.refuse("general.architecture", "a string naming the architecture (e.g. llama)",
                 h.find("general.architecture") < 0 ? "no such key" : "a value of another type");
    }
    int64_t n_layer = 0;
    check_general_hparams(h, arch, n_layer);
    if (arch == "llama" && n_layer > 0) check_llama_hparams(h, n_layer);
    check_vocab(h);
    check_tensor_types(h);
    check_data_section(h, path);
}

}  // namespace llama_sae
