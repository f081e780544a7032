// Throwaway: run llama.cpp on a prompt, dump l_out-<il> (all layers), logits and token ids.
// Dump (little-endian): "LSAD", int32 n_tokens, n_embd, n_layer, n_vocab, int32 tokens[n_tokens],
// n_layer x float32[n_tokens*n_embd] (token-major), float32 logits[n_tokens*n_vocab].
#include "llama.h"
#include "ggml.h"
#include "ggml-backend.h"
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <string>
#include <vector>
#include <map>

struct Capture { std::map<int, std::vector<float>> layers; int n_embd = 0; };

static bool cb_eval(struct ggml_tensor * t, bool ask, void * ud) {
    auto * cap = (Capture *) ud;
    bool want = strncmp(t->name, "l_out-", 6) == 0;
    if (ask) return want;
    if (!want) return true;
    int il = atoi(t->name + 6);
    if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t)) { fprintf(stderr, "unexpected l_out tensor type/layout\n"); exit(3); }
    std::vector<float> v(ggml_nelements(t));
    ggml_backend_tensor_get(t, v.data(), 0, ggml_nbytes(t));
    cap->layers[il] = std::move(v);
    return true;
}

int main(int argc, char ** argv) {
    if (argc < 4) { fprintf(stderr, "usage: refcheck model.gguf prompt out.bin [kv=f32|f16] [fa=off|on]\n"); return 2; }
    std::string kv = argc > 4 ? argv[4] : "f32";
    std::string fa = argc > 5 ? argv[5] : "off";
    llama_backend_init();
    auto mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    std::string prompt = argv[2];
    std::vector<llama_token> toks(prompt.size() + 8);
    int n = llama_tokenize(vocab, prompt.c_str(), prompt.size(), toks.data(), toks.size(), true, false);
    if (n < 0) { fprintf(stderr, "tokenize failed\n"); return 1; }
    toks.resize(n);
    fprintf(stderr, "tokens (%d):", n);
    for (auto t : toks) { char buf[64]; int k = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, true); fprintf(stderr, " %d'%.*s'", t, k, buf); }
    fprintf(stderr, "\n");

    Capture cap;
    auto cp = llama_context_default_params();
    cp.n_ctx = 512; cp.n_batch = 512; cp.n_ubatch = 512; cp.n_threads = 2; cp.n_threads_batch = 2;
    cp.cb_eval = cb_eval; cp.cb_eval_user_data = &cap;
    cp.type_k = kv == "f16" ? GGML_TYPE_F16 : GGML_TYPE_F32;
    cp.type_v = cp.type_k;
    cp.flash_attn_type = fa == "on" ? LLAMA_FLASH_ATTN_TYPE_ENABLED : (fa == "auto" ? LLAMA_FLASH_ATTN_TYPE_AUTO : LLAMA_FLASH_ATTN_TYPE_DISABLED);
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "context failed\n"); return 1; }

    llama_batch b = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) { b.token[i] = toks[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1; }
    b.n_tokens = n;
    cap.layers.clear();
    if (llama_decode(ctx, b) != 0) { fprintf(stderr, "decode failed\n"); return 1; }

    int n_embd = llama_model_n_embd(model), n_layer = llama_model_n_layer(model), n_vocab = llama_vocab_n_tokens(vocab);
    FILE * f = fopen(argv[3], "wb");
    fwrite("LSAD", 1, 4, f);
    int32_t hdr[4] = {n, n_embd, n_layer, n_vocab};
    fwrite(hdr, 4, 4, f);
    fwrite(toks.data(), 4, n, f);
    for (int il = 0; il < n_layer; il++) {
        auto it = cap.layers.find(il);
        if (it == cap.layers.end() || (int) it->second.size() != n * n_embd) { fprintf(stderr, "missing l_out-%d\n", il); return 1; }
        fwrite(it->second.data(), 4, it->second.size(), f);
    }
    for (int i = 0; i < n; i++) fwrite(llama_get_logits_ith(ctx, i), 4, n_vocab, f);
    fclose(f);
    fprintf(stderr, "wrote %s: n_tokens=%d n_embd=%d n_layer=%d n_vocab=%d kv=%s fa=%s\n", argv[3], n, n_embd, n_layer, n_vocab, kv.c_str(), fa.c_str());
    llama_batch_free(b);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
