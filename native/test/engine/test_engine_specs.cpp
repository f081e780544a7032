// One accept/reject table for every backend: each spec below (capture, SAE, outputs, edits) is set
// and run on the CPU backend and, when a CUDA device is present, on the CUDA backend (the model
// offloaded, so the hook's tensors live in device memory). Both must answer every spec with the
// same status at the same step, and every accepted spec must run to the end: nothing is refused
// in the middle of a decode. On a machine without a device the CUDA half reports "skipped".
//
// Model: ../shared/models/llama-2-tiny-random.gguf (skipped if absent).
#include "engine_test_util.h"
#include "llama_sae.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)

namespace {

struct Saes {
    llama_sae_sae * topk = nullptr, * topk_abs = nullptr, * relu = nullptr, * jumprelu = nullptr, * wide_k = nullptr, * narrow = nullptr;
};

llama_sae_sae * make_sae(int32_t d, int32_t F, int32_t k, int32_t act, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> we((size_t) F * d), wd((size_t) F * d), be(F), bd(d, 0.0f), th(F, 0.05f);
    for (auto & x : we) x = g(rng);
    for (auto & x : wd) x = g(rng) / (float) d;
    for (auto & x : be) x = 0.1f * g(rng);
    llama_sae_sae * s = nullptr;
    llama_sae_sae_params p{d, F, k, act};
    if (llama_sae_sae_create(p, we.data(), be.data(), wd.data(), bd.data(), act == LLAMA_SAE_ACT_JUMPRELU ? th.data() : nullptr, &s) !=
        LLAMA_SAE_OK) {
        std::printf("sae_create failed: %s\n", llama_sae_last_error());
        std::exit(1);
    }
    return s;
}

// The step a spec failed at, and its status: set-up (capture, SAE, outputs, edits) or the run.
struct Outcome {
    const char * step = "run";
    int32_t status = LLAMA_SAE_OK;
    std::string message;
};

struct Spec {
    const char * name;
    int32_t want_status;
    const char * want_step;
    // Configures ctx; returns the first failing status (and sets *step) or LLAMA_SAE_OK.
    std::function<int32_t(llama_sae_context *, const Saes &, int32_t n_layer, const char ** step)> setup;
    std::vector<int32_t> prompt_positions{};  // unused: the run uses the fixed prompts below
};

#define STEP(name, call) do { *step = name; const int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) return st_; } while (0)

llama_sae_edit edit(int32_t layer, int32_t latent, int32_t op, float value, int32_t partner = -1) {
    return llama_sae_edit{layer, latent, op, value, partner};
}

std::vector<Spec> table() {
    const int32_t all_out = LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS;
    auto capture = [](llama_sae_context * c, std::vector<int32_t> layers, std::vector<int32_t> pos, bool all) {
        return llama_sae_context_set_capture(c, layers.data(), (int32_t) layers.size(), pos.data(), (int32_t) pos.size(), all);
    };
    auto edits = [](llama_sae_context * c, std::vector<llama_sae_edit> e, int32_t mode = LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING) {
        return llama_sae_context_set_edits(c, e.data(), (int32_t) e.size(), mode, nullptr, 0, true, true);
    };
    std::vector<Spec> t;
    t.push_back({"rows at every position of every layer", LLAMA_SAE_OK, "run", [=](auto c, auto &, int32_t L, const char ** step) {
        std::vector<int32_t> layers;
        for (int32_t i = 0; i < L; ++i) layers.push_back(i);
        STEP("capture", capture(c, layers, {}, true));
        return LLAMA_SAE_OK;
    }});
    for (int which = 0; which < 5; ++which) {
        static const char * names[] = {"topk-relu SAE, every output", "topk-abs SAE, every output", "relu SAE, every output",
                                       "jumprelu SAE, every output", "k = 1100 > the device encoder's 1024"};
        t.push_back({names[which], LLAMA_SAE_OK, "run", [=](auto c, const Saes & s, int32_t L, const char ** step) {
            llama_sae_sae * sae[] = {s.topk, s.topk_abs, s.relu, s.jumprelu, s.wide_k};
            std::vector<int32_t> layers = L > 1 ? std::vector<int32_t>{0, L - 1} : std::vector<int32_t>{0};  // the last block included
            STEP("capture", capture(c, layers, {1, -1}, false));
            for (int32_t l : layers) STEP("sae", llama_sae_context_set_sae(c, l, sae[which], 0));
            STEP("outputs", llama_sae_context_set_outputs(c, all_out, 10));
            return LLAMA_SAE_OK;
        }});
    }
    struct EditCase {
        const char * name;
        int sae;  // 0 topk, 2 relu, 3 jumprelu, 4 wide k
        std::vector<llama_sae_edit> list;
    };
    std::vector<EditCase> ok_edits = {
        {"ablate + scale + clamp + swap + steer (device table)", 0,
         {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f), edit(0, 2, LLAMA_SAE_EDIT_SCALE, 3.0f), edit(0, 3, LLAMA_SAE_EDIT_CLAMP, 1.5f),
          edit(0, 4, LLAMA_SAE_EDIT_SWAP, 0.0f, 5), edit(0, 6, LLAMA_SAE_EDIT_STEER, 2.0f)}},
        {"a latent scaled twice (the last write wins)", 0, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 2.0f), edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f)}},
        {"a swapped latent also clamped", 0, {edit(0, 4, LLAMA_SAE_EDIT_SWAP, 0.0f, 5), edit(0, 5, LLAMA_SAE_EDIT_CLAMP, 1.0f)}},
        {"a latent steered twice", 0, {edit(0, 6, LLAMA_SAE_EDIT_STEER, 1.0f), edit(0, 6, LLAMA_SAE_EDIT_STEER, -0.5f)}},
        {"a latent swapped with itself (no-op)", 0, {edit(0, 7, LLAMA_SAE_EDIT_SWAP, 0.0f, 7)}},
        {"edits with a relu SAE", 2, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f), edit(0, 2, LLAMA_SAE_EDIT_CLAMP, 2.0f)}},
        {"edits with a jumprelu SAE", 3, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f), edit(0, 2, LLAMA_SAE_EDIT_CLAMP, 2.0f)}},
        {"edits with k = 1100", 4, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f)}},
    };
    {
        EditCase many{"65 clamps (beyond the device table's 64)", 0, {}};
        for (int32_t f = 0; f < 65; ++f) many.list.push_back(edit(0, f, LLAMA_SAE_EDIT_CLAMP, 0.25f));
        ok_edits.push_back(many);
    }
    for (const EditCase & e : ok_edits) {
        for (int32_t mode : {LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, LLAMA_SAE_EDIT_MODE_RECONSTRUCTION}) {
            static std::vector<std::string> names;  // the table outlives this loop
            names.push_back(std::string(e.name) + (mode ? " (reconstruction)" : ""));
            const char * name = names.back().c_str();
            t.push_back({name, LLAMA_SAE_OK, "run", [=](auto c, const Saes & s, int32_t, const char ** step) {
                llama_sae_sae * sae[] = {s.topk, s.topk_abs, s.relu, s.jumprelu, s.wide_k};
                STEP("capture", capture(c, {0}, {-1}, false));
                STEP("sae", llama_sae_context_set_sae(c, 0, sae[e.sae], 0));
                STEP("capture_after_edits", llama_sae_context_set_capture_after_edits(c, true));
                STEP("edits", edits(c, e.list, mode));
                return LLAMA_SAE_OK;
            }});
        }
    }
    // Refused, at the step that sees the problem.
    t.push_back({"capture layer out of range", LLAMA_SAE_ERR_OUT_OF_RANGE, "capture", [=](auto c, auto &, int32_t L, const char ** step) {
        STEP("capture", capture(c, {L}, {0}, false));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"capture layer listed twice", LLAMA_SAE_ERR_INVALID_ARGUMENT, "capture", [=](auto c, auto &, int32_t, const char ** step) {
        STEP("capture", capture(c, {0, 0}, {0}, false));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"SAE of another width", LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("sae", llama_sae_context_set_sae(c, 0, s.narrow, 0));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"k larger than the dictionary", LLAMA_SAE_ERR_INVALID_ARGUMENT, "sae", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 100000));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"unknown output bit", LLAMA_SAE_ERR_INVALID_ARGUMENT, "outputs", [=](auto c, auto &, int32_t, const char ** step) {
        STEP("outputs", llama_sae_context_set_outputs(c, 64u, 10));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"edit at a layer without an SAE", LLAMA_SAE_ERR_STATE, "edits", [=](auto c, auto &, int32_t, const char ** step) {
        STEP("edits", edits(c, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f)}));
        return LLAMA_SAE_OK;
    }});
    struct BadEdit {
        const char * name;
        int32_t status;
        llama_sae_edit e;
    };
    for (const BadEdit & b : std::vector<BadEdit>{
             {"edit latent out of range", LLAMA_SAE_ERR_OUT_OF_RANGE, edit(0, 4096, LLAMA_SAE_EDIT_SCALE, 0.0f)},
             {"swap partner out of range", LLAMA_SAE_ERR_OUT_OF_RANGE, edit(0, 1, LLAMA_SAE_EDIT_SWAP, 0.0f, -3)},
             {"edit value NaN", LLAMA_SAE_ERR_INVALID_ARGUMENT, edit(0, 1, LLAMA_SAE_EDIT_CLAMP, NAN)},
             {"unknown edit kind", LLAMA_SAE_ERR_INVALID_ARGUMENT, edit(0, 1, 9, 1.0f)},
             {"edit layer out of range", LLAMA_SAE_ERR_OUT_OF_RANGE, edit(99, 1, LLAMA_SAE_EDIT_SCALE, 0.0f)},
         }) {
        t.push_back({b.name, b.status, "edits", [=](auto c, const Saes & s, int32_t, const char ** step) {
            STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 0));
            STEP("edits", edits(c, {b.e}));
            return LLAMA_SAE_OK;
        }});
    }
    t.push_back({"unknown edit mode", LLAMA_SAE_ERR_INVALID_ARGUMENT, "edits", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 0));
        STEP("edits", edits(c, {edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f)}, 7));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"edits without positions", LLAMA_SAE_ERR_INVALID_ARGUMENT, "edits", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 0));
        llama_sae_edit e = edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f);
        STEP("edits", llama_sae_context_set_edits(c, &e, 1, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, false, false));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"capture position outside a prompt", LLAMA_SAE_ERR_OUT_OF_RANGE, "run", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("capture", capture(c, {0}, {200}, false));
        STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 0));
        return LLAMA_SAE_OK;
    }});
    t.push_back({"edit position outside a prompt", LLAMA_SAE_ERR_OUT_OF_RANGE, "run", [=](auto c, const Saes & s, int32_t, const char ** step) {
        STEP("sae", llama_sae_context_set_sae(c, 0, s.topk, 0));
        llama_sae_edit e = edit(0, 1, LLAMA_SAE_EDIT_SCALE, 0.0f);
        int32_t pos[] = {-200};
        STEP("edits", llama_sae_context_set_edits(c, &e, 1, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, pos, 1, false, false));
        return LLAMA_SAE_OK;
    }});
    return t;
}

// Runs every spec on one model; returns the outcomes in table order.
std::vector<Outcome> run_table(llama_sae_model * m, const Saes & s, const std::vector<int32_t> & tokens, const std::vector<int32_t> & offsets) {
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    std::vector<Outcome> out;
    for (const Spec & spec : table()) {
        auto cp = llama_sae_context_default_params();
        cp.n_ctx = 256;
        llama_sae_context * c = nullptr;
        if (llama_sae_context_init(m, cp, &c) != LLAMA_SAE_OK) {
            std::printf("context_init: %s\n", llama_sae_last_error());
            std::exit(1);
        }
        Outcome o;
        const char * step = "";
        o.status = spec.setup(c, s, info.n_layer, &step);
        if (o.status == LLAMA_SAE_OK) {
            step = "run";
            o.status = llama_sae_context_run(c, tokens.data(), offsets.data(), (int32_t) offsets.size() - 1);
        }
        o.step = step;
        o.message = o.status == LLAMA_SAE_OK ? "" : llama_sae_last_error();
        CHECK(o.status == spec.want_status && std::strcmp(o.step, spec.want_step) == 0,
              "%s: expected status %d at %s, found %d at %s (%s)", spec.name, spec.want_status, spec.want_step, o.status, o.step,
              o.message.c_str());
        CHECK(o.status == LLAMA_SAE_OK || !o.message.empty(), "%s: a refusal needs a message", spec.name);
        out.push_back(o);
        llama_sae_context_free(c);
    }
    return out;
}

}  // namespace

int main() {
    const std::string path = tiny_model_or_skip();
    llama_sae_model * cpu = nullptr;
    if (llama_sae_model_load(path.c_str(), llama_sae_model_default_params(), &cpu) != LLAMA_SAE_OK) {
        std::printf("load: %s\n", llama_sae_last_error());
        return 1;
    }
    llama_sae_model_info info{};
    llama_sae_model_get_info(cpu, &info);
    const int32_t d = info.n_embd;
    Saes s;
    s.topk = make_sae(d, 128, 4, LLAMA_SAE_ACT_TOPK_RELU, 1);
    s.topk_abs = make_sae(d, 64, 4, LLAMA_SAE_ACT_TOPK_ABS, 2);
    s.relu = make_sae(d, 64, 8, LLAMA_SAE_ACT_RELU, 3);
    s.jumprelu = make_sae(d, 64, 8, LLAMA_SAE_ACT_JUMPRELU, 4);
    s.wide_k = make_sae(d, 2048, 1100, LLAMA_SAE_ACT_TOPK_RELU, 5);
    s.narrow = make_sae(d + 1, 16, 2, LLAMA_SAE_ACT_TOPK_RELU, 6);

    std::vector<int32_t> tokens, offsets;
    tokenize_all(cpu, {"Question: 12+7=?", "20*3=60 | 60+5=65", "How many apples?"}, tokens, offsets);

    const std::vector<Outcome> on_cpu = run_table(cpu, s, tokens, offsets);
    std::printf("CPU backend: %zu specs checked\n", on_cpu.size());
    if (!llama_sae_has_cuda()) {
        std::printf("CUDA backend: skipped (no CUDA device, or the engine was built without LLAMA_SAE_CUDA)\n");
    } else {
        auto mp = llama_sae_model_default_params();
        mp.n_gpu_layers = -1;
        llama_sae_model * gpu = nullptr;
        if (llama_sae_model_load(path.c_str(), mp, &gpu) != LLAMA_SAE_OK) {
            std::printf("load (GPU): %s\n", llama_sae_last_error());
            return 1;
        }
        const std::vector<Outcome> on_gpu = run_table(gpu, s, tokens, offsets);
        const std::vector<Spec> specs = table();
        for (size_t i = 0; i < specs.size(); ++i) {
            CHECK(on_cpu[i].status == on_gpu[i].status && std::strcmp(on_cpu[i].step, on_gpu[i].step) == 0,
                  "%s: CPU %d at %s, CUDA %d at %s", specs[i].name, on_cpu[i].status, on_cpu[i].step, on_gpu[i].status, on_gpu[i].step);
        }
        std::printf("CUDA backend: %zu specs checked against the CPU backend\n", on_gpu.size());
        llama_sae_model_free(gpu);
    }
    for (llama_sae_sae * x : {s.topk, s.topk_abs, s.relu, s.jumprelu, s.wide_k, s.narrow}) llama_sae_sae_free(x);
    llama_sae_model_free(cpu);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
