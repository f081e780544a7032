// Bad GGUF headers are refused before llama.cpp sees them (its GGML_ASSERTs would abort this
// process), and standalone encodes reuse their threads. No model files needed: the GGUFs are
// written here with ggml's own gguf API.
#include "llama_sae.h"

#include "gguf.h"

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)

// A header-only llama GGUF whose block_count is n (no tensors: the check must refuse it first).
static std::string write_llama_header(const std::string & path, uint32_t block_count, uint32_t heads, uint32_t kv_heads) {
    gguf_context * g = gguf_init_empty();
    gguf_set_val_str(g, "general.architecture", "llama");
    gguf_set_val_u32(g, "llama.block_count", block_count);
    gguf_set_val_u32(g, "llama.context_length", 128);
    gguf_set_val_u32(g, "llama.embedding_length", 32);
    gguf_set_val_u32(g, "llama.feed_forward_length", 64);
    gguf_set_val_u32(g, "llama.attention.head_count", heads);
    gguf_set_val_u32(g, "llama.attention.head_count_kv", kv_heads);
    gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_write_to_file(g, path.c_str(), false);
    gguf_free(g);
    return path;
}

static void expect_refused(const std::string & path, int32_t status, const char * field, const char * expected) {
    llama_sae_model * m = nullptr;
    const int32_t st = llama_sae_model_load(path.c_str(), llama_sae_model_default_params(), &m);
    const std::string msg = llama_sae_last_error();
    CHECK(st == status, "%s: status %d, expected %d (%s)", path.c_str(), st, status, msg.c_str());
    CHECK(m == nullptr, "%s: no model on failure", path.c_str());
    CHECK(msg.find(path) != std::string::npos && msg.find(field) != std::string::npos && msg.find(expected) != std::string::npos,
          "message names file, field '%s' and '%s': %s", field, expected, msg.c_str());
}

static std::set<std::string> threads_of_this_process() {
    std::set<std::string> out;
    DIR * d = opendir("/proc/self/task");
    if (!d) return out;
    while (dirent * e = readdir(d)) if (e->d_name[0] != '.') out.insert(e->d_name);
    closedir(d);
    return out;
}

int main() {
    char tmpl[] = "/tmp/llama-sae-model-checks-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    expect_refused(write_llama_header(dir + "/zero-blocks.gguf", 0, 4, 2), LLAMA_SAE_ERR_FORMAT, "llama.block_count", "1..512");
    expect_refused(write_llama_header(dir + "/many-blocks.gguf", 600, 4, 2), LLAMA_SAE_ERR_FORMAT, "llama.block_count", "1..512");
    expect_refused(write_llama_header(dir + "/heads.gguf", 2, 3, 1), LLAMA_SAE_ERR_FORMAT, "llama.attention.head_count", "divisor");
    expect_refused(write_llama_header(dir + "/kv-heads.gguf", 2, 4, 3), LLAMA_SAE_ERR_FORMAT, "llama.attention.head_count_kv", "divisor");
    const std::string fifo = dir + "/pipe.gguf";
    CHECK(mkfifo(fifo.c_str(), 0600) == 0, "mkfifo");
    expect_refused(fifo, LLAMA_SAE_ERR_IO, "model file", "regular file");  // returns at once instead of blocking
    expect_refused(dir, LLAMA_SAE_ERR_IO, "model file", "regular file");

    // llama.cpp's own refusal (no tensors at all) comes back with llama.cpp's reason
    const std::string no_tensors = write_llama_header(dir + "/no-tensors.gguf", 2, 4, 2);
    llama_sae_model * m = nullptr;
    CHECK(llama_sae_model_load(no_tensors.c_str(), llama_sae_model_default_params(), &m) == LLAMA_SAE_ERR_FORMAT, "header-only model");
    const std::string reason = llama_sae_last_error();
    CHECK(reason.find("llama.cpp") != std::string::npos && reason.find("no reason logged") == std::string::npos,
          "llama.cpp's reason is in the message: %s", reason.c_str());

    // standalone encodes reuse one pool: the same threads serve every call
    const int d = 16, F = 32, k = 4, rows = 64;
    std::vector<float> w(F * d, 0.1f), b(F, 0.0f), bd(d, 0.0f), x(rows * d, 1.0f);
    for (int i = 0; i < F * d; ++i) w[i] = (float) ((i * 7919) % 13) - 6.0f;
    llama_sae_sae_params p{d, F, k, LLAMA_SAE_ACT_TOPK_RELU};
    llama_sae_sae * sae = nullptr;
    CHECK(llama_sae_sae_create(p, w.data(), b.data(), w.data(), bd.data(), nullptr, &sae) == LLAMA_SAE_OK, "sae_create");
    std::vector<int32_t> idx(rows * k);
    std::vector<float> val(rows * k);
    CHECK(llama_sae_sae_encode(sae, x.data(), rows, 0, idx.data(), val.data(), 3) == LLAMA_SAE_OK, "encode");
    const auto after_first = threads_of_this_process();
    for (int i = 0; i < 20; ++i) llama_sae_sae_encode(sae, x.data(), rows, 0, idx.data(), val.data(), 3);
    CHECK(threads_of_this_process() == after_first, "repeated encodes started new threads (%zu before, %zu after)", after_first.size(),
          threads_of_this_process().size());
    llama_sae_sae_free(sae);

    std::printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
