// The in-graph hook (LLAMA_SAE_HOOK_IN_GRAPH: the pipeline as an op inside llama.cpp's graph)
// against the eval-callback hook (the reference path), on the same model and specs. Each scenario
// runs in a callback context and an in-graph context; everything a run returns must be equal BIT
// FOR BIT: captured rows, codes, feature statistics (counts, exact sums, max, top samples),
// reconstruction sums, logits, generated tokens. Also: no-op edits and capture-only hooks leave the
// logits of the plain forward bit-identical in-graph, a spec change between runs rebuilds the
// graph's ops, and a bad hook_mode is refused.
// Model: the shared tiny model on the CPU backend, or LLAMA_SAE_TEST_MODEL (also CPU: in this
// version the in-graph op runs on the CPU backend). Skipped (77) without the patched llama.cpp.
#include "engine_test_util.h"

#include <functional>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { std::printf("FAIL %s:%d: ", __FILE__, __LINE__); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } } while (0)
#define OK(call) do { int32_t st_ = (call); if (st_ != LLAMA_SAE_OK) { std::printf("FAIL %s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, st_, llama_sae_last_error()); std::exit(1); } } while (0)

namespace {

// Everything one run returns, flattened.
struct Outcome {
    std::vector<float> rows, val, logits, stats_f, recon;
    std::vector<int32_t> idx, generated;
    std::vector<int64_t> stats_i;
};

template <class T>
void append(std::vector<T> & v, const T * p, size_t n) {
    if (p) v.insert(v.end(), p, p + n);
}

void collect(llama_sae_context * ctx, int32_t n_slots, int32_t d, int32_t n_vocab, int32_t n_prompts, uint32_t outputs, Outcome & o) {
    const int64_t n = llama_sae_capture_n_rows(ctx);
    const int32_t blocks = llama_sae_capture_n_blocks(ctx);
    append(o.logits, llama_sae_context_last_logits(ctx), (size_t) n_prompts * n_vocab);
    for (int32_t s = 0; s < n_slots; ++s) {
        append(o.rows, llama_sae_capture_rows(ctx, s), (size_t) n * d);
        const int32_t k = llama_sae_codes_k(ctx, s);
        append(o.idx, llama_sae_codes_indices(ctx, s), (size_t) n * k);
        append(o.val, llama_sae_codes_values(ctx, s), (size_t) n * k);
        for (int32_t b = 0; b < blocks && k > 0 && (outputs & LLAMA_SAE_OUTPUT_STATS); ++b) {
            llama_sae_feature_stats fs{};
            OK(llama_sae_context_feature_stats(ctx, s, b, &fs));
            o.stats_i.push_back(fs.rows);
            append(o.stats_i, reinterpret_cast<const int64_t *>(fs.count), (size_t) fs.n_features);
            append(o.stats_i, fs.sum_abs, 2 * (size_t) fs.n_features);
            append(o.stats_i, fs.sum, 2 * (size_t) fs.n_features);
            append(o.stats_f, fs.max_abs, (size_t) fs.n_features);
            for (int32_t i = 0; i < fs.n_features; ++i) o.stats_i.push_back(fs.feature[i]);
            const int32_t tops = fs.top_offset[fs.n_features];
            append(o.stats_f, fs.top_value, (size_t) tops);
            for (int32_t i = 0; i < tops; ++i) o.stats_i.push_back((int64_t) fs.top_prompt[i] * 100000 + fs.top_position[i]);
        }
        for (int32_t b = 0; b < blocks && k > 0 && (outputs & LLAMA_SAE_OUTPUT_METRICS); ++b) {
            llama_sae_recon_sums rs{};
            OK(llama_sae_context_recon_sums(ctx, s, b, &rs));
            for (int64_t i = 0; i < 2 * (3 + (int64_t) rs.n_embd); ++i) o.recon.push_back((float) rs.sums[i]);
            o.stats_i.push_back(rs.rows);
        }
    }
    for (int32_t p = 0; p < n_prompts; ++p) {
        int32_t nt = 0;
        const int32_t * g = llama_sae_generated_tokens(ctx, p, &nt);
        append(o.generated, g, (size_t) nt);
        o.generated.push_back(-1);
    }
}

template <class T>
bool same(const std::vector<T> & a, const std::vector<T> & b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void compare(const char * name, const Outcome & cb, const Outcome & ig) {
    CHECK(same(cb.rows, ig.rows), "%s: captured rows differ (%zu vs %zu values)", name, cb.rows.size(), ig.rows.size());
    CHECK(same(cb.idx, ig.idx) && same(cb.val, ig.val), "%s: codes differ", name);
    CHECK(same(cb.stats_i, ig.stats_i) && same(cb.stats_f, ig.stats_f), "%s: feature statistics differ", name);
    CHECK(same(cb.recon, ig.recon), "%s: reconstruction sums differ", name);
    CHECK(same(cb.logits, ig.logits), "%s: logits differ", name);
    CHECK(same(cb.generated, ig.generated), "%s: generated tokens differ", name);
    std::printf("%-44s rows %zu, codes %zu, stats %zu, logits %zu, generated %zu: %s\n", name, cb.rows.size(), cb.idx.size(),
                cb.stats_i.size(), cb.logits.size(), cb.generated.size() - 3, failures ? "checked" : "equal");
}

}  // namespace

int main() {
    if (!llama_sae_has_in_graph_hook()) {
        std::printf("skipped: llama.cpp without the layer-hook patch (cmake/patches/llama-cpp-layer-hook.patch)\n");
        return 77;
    }
    const char * env_model = std::getenv("LLAMA_SAE_TEST_MODEL");
    const std::string path = env_model ? std::string(env_model) : tiny_model_or_skip();
    auto mp = llama_sae_model_default_params();
    llama_sae_model * m = nullptr;
    OK(llama_sae_model_load(path.c_str(), mp, &m));
    llama_sae_model_info info{};
    llama_sae_model_get_info(m, &info);
    const int32_t d = info.n_embd, L = info.n_layer, F = 96, K = 8;
    std::printf("model %s: %d layers, n_embd %d (CPU backend)\n", info.description, L, d);

    RandomSae random;
    make_random_sae(random, d, F, K, 11, 0.05f);
    const llama_sae_sae * sae = random.sae;

    std::vector<int32_t> tokens, offsets;
    tokenize_all(m, {"Question: Tom has 12 apples and buys 7 more. How many?", "20*3=60 | 60+5=65", "48/2=24 | 24+48=72 | 72-5=67"},
                 tokens, offsets);
    const int32_t n_prompts = 3;
    std::vector<int32_t> all_layers(L);
    for (int32_t i = 0; i < L; ++i) all_layers[i] = i;

    // A scenario sets up a context (capture, SAEs, edits, outputs) and runs it (run or generate).
    using Setup = std::function<uint32_t(llama_sae_context *)>;  // returns the outputs mask
    auto run_mode = [&](int32_t mode, bool hook, const Setup & setup, bool generate, int32_t n_slots, Outcome & o) {
        auto cp = llama_sae_context_default_params();
        cp.n_ctx = 256;
        cp.n_threads = 2;
        cp.hook = hook;
        cp.hook_mode = mode;
        llama_sae_context * ctx = nullptr;
        OK(llama_sae_context_init(m, cp, &ctx));
        const uint32_t outputs = hook ? setup(ctx) : 0;
        if (generate) {
            auto gp = llama_sae_generate_default_params();
            gp.max_tokens = 6;
            OK(llama_sae_context_generate(ctx, tokens.data(), offsets.data(), n_prompts, gp));
        } else {
            OK(llama_sae_context_run(ctx, tokens.data(), offsets.data(), n_prompts));
        }
        collect(ctx, hook ? n_slots : 0, d, info.n_vocab, n_prompts, outputs, o);
        llama_sae_context_free(ctx);
    };
    auto scenario = [&](const char * name, const Setup & setup, bool generate, int32_t n_slots) {
        Outcome cb, ig;
        run_mode(LLAMA_SAE_HOOK_CALLBACK, true, setup, generate, n_slots, cb);
        run_mode(LLAMA_SAE_HOOK_IN_GRAPH, true, setup, generate, n_slots, ig);
        compare(name, cb, ig);
        return ig;
    };
    Outcome plain;
    run_mode(LLAMA_SAE_HOOK_CALLBACK, false, nullptr, false, 0, plain);
    const uint32_t everything = LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS | LLAMA_SAE_OUTPUT_METRICS;
    auto attach_all = [&](llama_sae_context * ctx) {
        for (int32_t l = 0; l < L; ++l) OK(llama_sae_context_set_sae(ctx, l, sae, 0));
    };

    // 1. Capture everything at all positions of every layer (the last layer included).
    scenario("all positions, all layers, rows+codes+stats+metrics", [&](llama_sae_context * ctx) {
        OK(llama_sae_context_set_capture(ctx, all_layers.data(), L, nullptr, 0, true));
        attach_all(ctx);
        OK(llama_sae_context_set_outputs(ctx, everything, 5));
        return everything;
    }, false, L);
    // 2. Codes + statistics at chosen positions (first, 3, last) of some layers.
    scenario("positions 0, 3, -1: codes + statistics", [&](llama_sae_context * ctx) {
        std::vector<int32_t> layers{0};
        for (int32_t l : {L / 2, L - 1}) if (l != layers.back()) layers.push_back(l);
        const int32_t pos[] = {0, 3, -1};
        OK(llama_sae_context_set_capture(ctx, layers.data(), (int32_t) layers.size(), pos, 3, false));
        attach_all(ctx);
        OK(llama_sae_context_set_outputs(ctx, LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS, 3));
        return LLAMA_SAE_OUTPUT_CODES | LLAMA_SAE_OUTPUT_STATS;
    }, false, L == 1 ? 1 : (L == 2 ? 2 : 3));
    // 3. Edits of every kind at all positions, rows captured after the edits.
    const Outcome edited = scenario("edits (ablate, scale, clamp, swap, steer)", [&](llama_sae_context * ctx) {
        OK(llama_sae_context_set_capture(ctx, all_layers.data(), L, nullptr, 0, true));
        attach_all(ctx);
        OK(llama_sae_context_set_capture_after_edits(ctx, true));
        const llama_sae_edit edits[] = {{0, 3, LLAMA_SAE_EDIT_SCALE, 0.0f, -1}, {L / 2, 5, LLAMA_SAE_EDIT_SCALE, 4.0f, -1},
                                        {L / 2, 9, LLAMA_SAE_EDIT_CLAMP, 2.5f, -1}, {L - 1, 1, LLAMA_SAE_EDIT_SWAP, 0.0f, 2},
                                        {1 % L, 7, LLAMA_SAE_EDIT_STEER, 3.0f, -1}};
        OK(llama_sae_context_set_edits(ctx, edits, 5, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, true, false));
        OK(llama_sae_context_set_outputs(ctx, LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES, 0));
        return LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES;
    }, false, L);
    CHECK(!same(edited.logits, plain.logits), "the edits changed nothing: the scenario would not test them");
    // 4. Generation with edits on every generated token and capture of generated steps.
    scenario("generate: edits on new tokens, steps 1 and 3", [&](llama_sae_context * ctx) {
        const int32_t layers[] = {L / 2};
        const int32_t pos[] = {-1};
        OK(llama_sae_context_set_capture(ctx, layers, 1, pos, 1, false));
        const int32_t steps[] = {1, 3};
        OK(llama_sae_context_set_capture_generated(ctx, steps, 2));
        attach_all(ctx);
        const llama_sae_edit edits[] = {{L / 2, 4, LLAMA_SAE_EDIT_SCALE, 3.0f, -1}, {0, 6, LLAMA_SAE_EDIT_STEER, -2.0f, -1}};
        OK(llama_sae_context_set_edits(ctx, edits, 2, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, false, true));
        OK(llama_sae_context_set_outputs(ctx, LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES, 0));
        return LLAMA_SAE_OUTPUT_ROWS | LLAMA_SAE_OUTPUT_CODES;
    }, true, 1);

    // 5. In-graph hooks that change nothing leave the plain forward's logits bit-identical.
    Outcome capture_only, noop;
    run_mode(LLAMA_SAE_HOOK_IN_GRAPH, true, [&](llama_sae_context * ctx) {
        OK(llama_sae_context_set_capture(ctx, all_layers.data(), L, nullptr, 0, true));
        attach_all(ctx);
        OK(llama_sae_context_set_outputs(ctx, everything, 5));
        return everything;
    }, false, L, capture_only);
    run_mode(LLAMA_SAE_HOOK_IN_GRAPH, true, [&](llama_sae_context * ctx) {
        attach_all(ctx);
        const llama_sae_edit edits[] = {{L / 2, 5, LLAMA_SAE_EDIT_SWAP, 0.0f, 5}, {0, 9, LLAMA_SAE_EDIT_SCALE, 1.0f, -1}};
        OK(llama_sae_context_set_edits(ctx, edits, 2, LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING, nullptr, 0, true, false));
        return 0u;
    }, false, 0, noop);
    CHECK(same(plain.logits, capture_only.logits), "in-graph capture changed the logits");
    CHECK(same(plain.logits, noop.logits), "in-graph no-op edits changed the logits");
    std::printf("in-graph capture-only and no-op edits: logits bit-identical to the plain forward\n");

    // 6. One in-graph context, the spec changed between runs: the ops follow (graphs rebuilt).
    {
        auto cp = llama_sae_context_default_params();
        cp.n_ctx = 256;
        cp.n_threads = 2;
        cp.hook_mode = LLAMA_SAE_HOOK_IN_GRAPH;
        llama_sae_context * ctx = nullptr;
        OK(llama_sae_context_init(m, cp, &ctx));
        attach_all(ctx);
        OK(llama_sae_context_set_outputs(ctx, LLAMA_SAE_OUTPUT_CODES, 0));
        const int32_t first[] = {0};
        const int32_t later[] = {L - 1};
        const int32_t pos[] = {-1};
        OK(llama_sae_context_set_capture(ctx, first, 1, pos, 1, false));
        OK(llama_sae_context_run(ctx, tokens.data(), offsets.data(), n_prompts));
        OK(llama_sae_context_set_capture(ctx, later, 1, pos, 1, false));
        OK(llama_sae_context_run(ctx, tokens.data(), offsets.data(), n_prompts));
        Outcome reused;
        collect(ctx, 1, d, info.n_vocab, n_prompts, LLAMA_SAE_OUTPUT_CODES, reused);
        Outcome fresh;
        run_mode(LLAMA_SAE_HOOK_CALLBACK, true, [&](llama_sae_context * c2) {
            attach_all(c2);
            OK(llama_sae_context_set_outputs(c2, LLAMA_SAE_OUTPUT_CODES, 0));
            OK(llama_sae_context_set_capture(c2, later, 1, pos, 1, false));
            return (uint32_t) LLAMA_SAE_OUTPUT_CODES;
        }, false, 1, fresh);
        CHECK(!reused.idx.empty() && same(reused.idx, fresh.idx) && same(reused.val, fresh.val),
              "codes after a capture change in one in-graph context differ from a fresh callback run");
        std::printf("spec change between runs in one in-graph context: codes of the new layer equal a fresh run\n");
        llama_sae_context_free(ctx);
    }

    // 7. A hook mode that does not exist is refused.
    auto cp = llama_sae_context_default_params();
    cp.hook_mode = 5;
    llama_sae_context * bad = nullptr;
    CHECK(llama_sae_context_init(m, cp, &bad) == LLAMA_SAE_ERR_INVALID_ARGUMENT && bad == nullptr, "hook_mode 5 accepted");
    std::printf("hook_mode 5: %s\n", llama_sae_last_error());

    llama_sae_model_free(m);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "in-graph hook equals the callback hook", failures);
    return failures ? 1 : 0;
}
