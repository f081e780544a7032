// The hook on llama.cpp's CUDA backend equals the CPU path (skipped without a CUDA build/device or
// without a model): LLAMA_SAE_TEST_MODEL=path/to/model.gguf test_engine_cuda
//   - captured rows on the GPU match the CPU forward pass (different matmul rounding: loose tolerance);
//   - SAE codes computed on the GPU equal the CPU kernel's codes of the same rows (indices exact);
//   - hooked logits equal unhooked logits bit for bit; no-op edits leave them bit-identical;
//   - an edit's in-place delta on the GPU equals the CPU edit of the same rows.
#include "engine_test_util.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)
#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::printf("FAIL %s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, st_, llama_sae_last_error()); return 1; } } while (0)

struct Run {
    std::vector<float> rows, logits;
    std::vector<int32_t> idx;
    std::vector<float> val;
};

static std::vector<int32_t> tokenize(llama_sae_model * m, const char * s) {
    std::vector<int32_t> t(512);
    int32_t n = 0;
    llama_sae_tokenize(m, s, (int32_t) std::strlen(s), true, t.data(), (int32_t) t.size(), &n);
    t.resize(n);
    return t;
}

int main() {
    const char * path = std::getenv("LLAMA_SAE_TEST_MODEL");
    if (!llama_sae_has_cuda()) { std::printf("skipped: no CUDA device (or engine built without LLAMA_SAE_CUDA)\n"); return 77; }
    if (!path) { std::printf("skipped: set LLAMA_SAE_TEST_MODEL to a GGUF model\n"); return 77; }

    auto mp = llama_sae_model_default_params();
    llama_sae_model * cpu = nullptr, * gpu = nullptr;
    OK(llama_sae_model_load(path, mp, &cpu));
    mp.n_gpu_layers = -1;
    OK(llama_sae_model_load(path, mp, &gpu));
    llama_sae_model_info info{};
    llama_sae_model_get_info(cpu, &info);
    const int32_t d = info.n_embd, L = info.n_layer, F = 512, K = 16;
    std::printf("model %s: %d layers, n_embd %d\n", info.description, L, d);

    // A random SAE at every layer.
    RandomSae random;
    make_random_sae(random, d, F, K, 7, 0.1f);
    llama_sae_sae * sae = random.sae;
    const std::vector<float> & wd = random.wd;

    const char * texts[] = {"Question: Tom has 12 apples and buys 7 more. How many?\nAnswer:", "20*3=60 | 60+5=65", "48/2=24 | 24+48=72 | 72-5=67"};
    std::vector<int32_t> tokens, offsets{0};
    for (const char * s : texts) { auto t = tokenize(cpu, s); tokens.insert(tokens.end(), t.begin(), t.end()); offsets.push_back((int32_t) tokens.size()); }
    std::vector<int32_t> layers(L);
    for (int i = 0; i < L; ++i) layers[i] = i;
    int32_t positions[] = {0, 3, -1};

    auto run = [&](llama_sae_model * m, bool hook, bool with_sae, bool after, const llama_sae_edit * edits, int32_t n_edits, Run & out) -> int {
        auto cp = llama_sae_context_default_params();
        cp.n_ctx = 512;
        cp.hook = hook;
        llama_sae_context * ctx = nullptr;
        OK(llama_sae_context_init(m, cp, &ctx));
        if (hook) {
            OK(llama_sae_context_set_capture(ctx, layers.data(), L, positions, 3, false));
            if (with_sae) for (int l = 0; l < L; ++l) OK(llama_sae_context_set_sae(ctx, l, sae, 0));
            OK(llama_sae_context_set_capture_after_edits(ctx, after));
            if (n_edits) OK(llama_sae_context_set_edits(ctx, edits, n_edits, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, true, false));
        }
        OK(llama_sae_context_run(ctx, tokens.data(), offsets.data(), 3));
        const int64_t n = llama_sae_capture_n_rows(ctx);
        out.logits.assign(llama_sae_context_last_logits(ctx), llama_sae_context_last_logits(ctx) + 3 * (size_t) info.n_vocab);
        out.rows.clear();
        out.idx.clear();
        out.val.clear();
        for (int l = 0; hook && l < L; ++l) {
            out.rows.insert(out.rows.end(), llama_sae_capture_rows(ctx, l), llama_sae_capture_rows(ctx, l) + n * d);
            if (with_sae) {
                out.idx.insert(out.idx.end(), llama_sae_codes_indices(ctx, l), llama_sae_codes_indices(ctx, l) + n * K);
                out.val.insert(out.val.end(), llama_sae_codes_values(ctx, l), llama_sae_codes_values(ctx, l) + n * K);
            }
        }
        llama_sae_context_free(ctx);
        return 0;
    };

    Run c_cpu, c_gpu, plain_gpu, noop_gpu, edit_gpu;
    if (run(cpu, true, true, false, nullptr, 0, c_cpu) || run(gpu, true, true, false, nullptr, 0, c_gpu) ||
        run(gpu, false, false, false, nullptr, 0, plain_gpu)) return 1;

    // Rows: GPU forward vs CPU forward.
    double max_ref = 0, max_err = 0;
    for (size_t i = 0; i < c_cpu.rows.size(); ++i) {
        max_ref = std::fmax(max_ref, std::fabs(c_cpu.rows[i]));
        max_err = std::fmax(max_err, std::fabs(c_cpu.rows[i] - c_gpu.rows[i]));
    }
    std::printf("rows GPU vs CPU: max|d| %.3g, max|ref| %.3g, ratio %.3g\n", max_err, max_ref, max_err / max_ref);
    CHECK(max_err <= 2e-2 * max_ref, "GPU rows differ from CPU rows by %.3g of scale", max_err / max_ref);

    // Codes: GPU kernels vs the CPU kernel on the same (GPU) rows.
    const int64_t n_rows = (int64_t) c_gpu.rows.size() / d;
    std::vector<int32_t> ref_idx(n_rows * K);
    std::vector<float> ref_val(n_rows * K);
    OK(llama_sae_sae_encode(sae, c_gpu.rows.data(), n_rows, K, ref_idx.data(), ref_val.data(), 0));
    int64_t idx_mismatch = 0;
    double val_err = 0;
    for (size_t i = 0; i < ref_idx.size(); ++i) {
        idx_mismatch += ref_idx[i] != c_gpu.idx[i];
        val_err = std::fmax(val_err, std::fabs(ref_val[i] - c_gpu.val[i]) / (1e-3 + std::fabs(ref_val[i])));
    }
    std::printf("codes GPU vs CPU kernel: %lld / %zu index mismatches, max rel value error %.3g\n", (long long) idx_mismatch, ref_idx.size(), val_err);
    CHECK(idx_mismatch == 0, "index mismatches");
    CHECK(val_err < 1e-3, "value error");

    // Hooked logits == plain logits, bit for bit; no-op edits keep them.
    CHECK(std::memcmp(c_gpu.logits.data(), plain_gpu.logits.data(), c_gpu.logits.size() * sizeof(float)) == 0, "GPU hooked logits differ from plain");
    llama_sae_edit noop[] = {{L / 2, 5, LLAMA_SAE_EDIT_SWAP, 0.0f, 5}, {L / 2, 9, LLAMA_SAE_EDIT_SCALE, 1.0f, -1}};
    if (run(gpu, true, true, false, noop, 2, noop_gpu)) return 1;
    CHECK(std::memcmp(noop_gpu.logits.data(), plain_gpu.logits.data(), plain_gpu.logits.size() * sizeof(float)) == 0, "GPU no-op edits changed logits");

    // An edit's delta on the GPU vs the CPU edit of the same clean GPU rows: ablate the strongest latent of row 0.
    const int64_t per_layer = n_rows / L;  // rows and codes are stored layer after layer
    const int32_t layer = L / 2, latent = c_gpu.idx[(size_t) layer * per_layer * K];
    llama_sae_edit ablate[] = {{layer, latent, LLAMA_SAE_EDIT_SCALE, 0.0f, -1}};
    if (run(gpu, true, true, true, ablate, 1, edit_gpu)) return 1;
    double delta_err = 0, delta_ref = 0;
    for (int64_t r = 0; r < per_layer; ++r) {
        const float * x = c_gpu.rows.data() + ((size_t) layer * per_layer + r) * d;
        const float * y = edit_gpu.rows.data() + ((size_t) layer * per_layer + r) * d;
        const int32_t * ix = ref_idx.data() + ((size_t) layer * per_layer + r) * K;
        const float * vx = ref_val.data() + ((size_t) layer * per_layer + r) * K;
        for (int j = 0; j < d; ++j) {
            double expect = x[j];
            for (int s = 0; s < K; ++s) if (ix[s] == latent) expect -= (double) vx[s] * wd[(size_t) latent * d + j];
            delta_ref = std::fmax(delta_ref, std::fabs(expect - x[j]));
            delta_err = std::fmax(delta_err, std::fabs(expect - y[j]));
        }
    }
    std::printf("edit delta GPU vs CPU reference: max error %.3g (max delta %.3g)\n", delta_err, delta_ref);
    CHECK(delta_ref > 0 && delta_err <= 1e-4 * (1 + delta_ref), "edit delta error %.3g", delta_err);

    llama_sae_model_free(cpu);
    llama_sae_model_free(gpu);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
