// Checks of the hand-written LLaMA trainer (native/src/lm):
//  1. every gradient in double precision against central finite differences of the loss;
//  2. the float path (project SGEMM) against the double path: loss, logits and gradients;
//  3. determinism: 1 and 2 threads give bit-identical losses and gradients;
//  4. sequences in a ragged batch do not see each other (logits equal running them alone);
//  5. the AdamW step with clipping against a plain double reference;
//  6. a few hundred steps on a copy task drive the loss down.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "check.h"
#include "lm_adamw.h"
#include "lm_graph.h"

using namespace llama_sae;
using namespace llama_sae::lm;

namespace {

LmConfig tiny_config() {
    LmConfig c;
    c.n_vocab = 11;
    c.n_embd = 8;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_ff = 12;
    c.n_ctx = 8;
    c.rope_freq_base = 10000.0f;
    c.rms_eps = 1e-5f;
    return c;
}

/// Random weights: matrices ~U(-0.5, 0.5), norm gains around 1 (so every path is exercised).
std::vector<float> random_weights(const LmLayout& layout, uint64_t seed) {
    kt::Rng rng(seed);
    std::vector<float> w(static_cast<size_t>(layout.total()));
    for (const TensorSlot& s : layout.tensors()) {
        for (int64_t i = 0; i < s.size(); ++i) {
            w[static_cast<size_t>(s.offset + i)] = s.is_matrix() ? rng.uniform(0.5f) : 1.0f + rng.uniform(0.3f);
        }
    }
    return w;
}

struct TestBatch {
    std::vector<int32_t> tokens, offsets;
    std::vector<float> weights;
    Batch batch() const { return Batch{tokens.data(), offsets.data(), static_cast<int32_t>(offsets.size() - 1)}; }
};

TestBatch random_batch(const LmConfig& c, const std::vector<int>& lengths, uint64_t seed) {
    kt::Rng rng(seed);
    TestBatch b;
    b.offsets.push_back(0);
    for (int len : lengths) {
        for (int t = 0; t < len; ++t) {
            b.tokens.push_back(rng.below(c.n_vocab));
            // first token: nothing predicts it; others: weight 0, 0.5 or 1
            b.weights.push_back(t == 0 ? 0.0f : 0.5f * static_cast<float>(rng.below(3)));
        }
        b.offsets.push_back(static_cast<int32_t>(b.tokens.size()));
    }
    return b;
}

void check_finite_differences() {
    const LmConfig c = tiny_config();
    LmGraph<double> g(c, nullptr);
    const LmLayout& layout = g.layout();
    const std::vector<float> wf = random_weights(layout, 1);
    std::vector<double> w(wf.begin(), wf.end());
    const TestBatch tb = random_batch(c, {5, 8, 3}, 2);
    std::vector<double> grad(w.size());
    double wsum = 0;
    const double loss = g.loss(w.data(), tb.batch(), tb.weights.data(), grad.data(), &wsum);
    KT_CHECK(std::isfinite(loss) && loss > 0, "loss %g", loss);
    KT_CHECK(wsum > 0, "weight sum %g", wsum);
    const double h = 1e-5;
    double worst = 0;
    for (const TensorSlot& s : layout.tensors()) {
        for (int64_t i = 0; i < s.size(); ++i) {
            const size_t k = static_cast<size_t>(s.offset + i);
            const double saved = w[k];
            w[k] = saved + h;
            const double up = g.loss(w.data(), tb.batch(), tb.weights.data(), nullptr, nullptr);
            w[k] = saved - h;
            const double down = g.loss(w.data(), tb.batch(), tb.weights.data(), nullptr, nullptr);
            w[k] = saved;
            const double fd = (up - down) / (2 * h);
            worst = std::max(worst, std::fabs(fd - grad[k]));
            KT_CHECK(kt::close(grad[k], fd, 1e-8, 1e-6), "%s[%lld]: analytic %.12g, finite difference %.12g", s.name.c_str(),
                     static_cast<long long>(i), grad[k], fd);
        }
    }
    std::printf("finite differences: %lld parameters, loss %.6f, worst |analytic - fd| = %.3g\n",
                static_cast<long long>(layout.total()), loss, worst);
}

void check_float_matches_double() {
    LmConfig c = tiny_config();
    c.n_vocab = 37;
    c.n_embd = 32;
    c.n_head = 4;
    c.n_ff = 48;
    c.n_ctx = 40;
    ThreadPool pool(2);
    LmGraph<float> gf(c, &pool);
    LmGraph<double> gd(c, nullptr);
    const std::vector<float> wf = random_weights(gf.layout(), 3);
    const std::vector<double> wd(wf.begin(), wf.end());
    // more than 256 rows, so the weight gradients take the sliced path
    const TestBatch tb = random_batch(c, {40, 33, 1, 29, 40, 38, 40, 35}, 4);
    std::vector<float> gradf(wf.size());
    std::vector<double> gradd(wf.size());
    const double lf = gf.loss(wf.data(), tb.batch(), tb.weights.data(), gradf.data(), nullptr);
    const double ld = gd.loss(wd.data(), tb.batch(), tb.weights.data(), gradd.data(), nullptr);
    KT_CHECK(kt::close(lf, ld, 0, 1e-5), "loss float %.9g double %.9g", lf, ld);
    for (const TensorSlot& s : gf.layout().tensors()) {
        double scale = 0, err = 0;
        for (int64_t i = 0; i < s.size(); ++i) {
            const size_t k = static_cast<size_t>(s.offset + i);
            scale = std::max(scale, std::fabs(gradd[k]));
            err = std::max(err, std::fabs(gradf[k] - gradd[k]));
        }
        KT_CHECK(err <= 1e-4 * scale + 1e-9, "%s: max |float - double| %.3g, max |double| %.3g", s.name.c_str(), err, scale);
    }
    const int64_t n = tb.batch().n_tokens();
    std::vector<float> logf(static_cast<size_t>(n * c.n_vocab));
    std::vector<double> logd(logf.size());
    gf.logits(wf.data(), tb.batch(), logf.data());
    gd.logits(wd.data(), tb.batch(), logd.data());
    double err = 0, scale = 0;
    for (size_t i = 0; i < logf.size(); ++i) {
        err = std::max(err, std::fabs(logf[i] - logd[i]));
        scale = std::max(scale, std::fabs(logd[i]));
    }
    KT_CHECK(err <= 1e-5 * scale, "logits: max |float - double| %.3g, max |double| %.3g", err, scale);
    std::printf("float vs double: loss %.7f vs %.7f, logits max err %.3g (scale %.3g)\n", lf, ld, err, scale);
}

void check_determinism_and_isolation() {
    LmConfig c = tiny_config();
    c.n_vocab = 29;
    c.n_embd = 64;
    c.n_head = 4;
    c.n_ff = 96;
    c.n_ctx = 64;
    ThreadPool one(1), two(2);
    LmGraph<float> g1(c, &one), g2(c, &two);
    const std::vector<float> w = random_weights(g1.layout(), 5);
    const TestBatch tb = random_batch(c, {64, 50, 7, 64, 61, 64, 33}, 6);
    std::vector<float> a(w.size()), b(w.size());
    const double la = g1.loss(w.data(), tb.batch(), tb.weights.data(), a.data(), nullptr);
    const double lb = g2.loss(w.data(), tb.batch(), tb.weights.data(), b.data(), nullptr);
    KT_CHECK(la == lb, "loss with 1 thread %.17g, with 2 threads %.17g", la, lb);
    KT_CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0, "gradients differ between 1 and 2 threads");
    // sequence 2 (7 tokens) alone gives the logits it had inside the batch
    const int64_t n = tb.batch().n_tokens();
    std::vector<float> all(static_cast<size_t>(n * c.n_vocab));
    g2.logits(w.data(), tb.batch(), all.data());
    const int32_t off = tb.offsets[2], len = tb.offsets[3] - tb.offsets[2];
    const int32_t alone_off[2] = {0, len};
    std::vector<float> alone(static_cast<size_t>(len * c.n_vocab));
    g2.logits(w.data(), Batch{tb.tokens.data() + off, alone_off, 1}, alone.data());
    double err = 0;
    for (int64_t i = 0; i < len * c.n_vocab; ++i) err = std::max(err, static_cast<double>(std::fabs(alone[i] - all[off * c.n_vocab + i])));
    KT_CHECK(err <= 1e-5, "sequence alone vs in the batch: max |difference| %.3g", err);
}

void check_adamw() {
    LmConfig c = tiny_config();
    LmLayout layout(c);
    const size_t n = static_cast<size_t>(layout.total());
    kt::Rng rng(7);
    std::vector<float> w = rng.vec(n, 1.0f), g = rng.vec(n, 3.0f), m = rng.vec(n, 0.1f), v(n);
    for (float& x : v) x = std::fabs(rng.uniform(0.2f));
    std::vector<double> wr(w.begin(), w.end()), gr(g.begin(), g.end()), mr(m.begin(), m.end()), vr(v.begin(), v.end());
    AdamWParams p;
    p.lr = 0.01f;
    p.weight_decay = 0.1f;
    p.clip_norm = 1.0f;
    p.step = 3;
    const double norm = adamw_step(w.data(), g.data(), m.data(), v.data(), layout, p, nullptr);
    double ss = 0;
    for (double x : gr) ss += x * x;
    KT_CHECK(kt::close(norm, std::sqrt(ss), 0, 1e-9), "norm %g vs %g", norm, std::sqrt(ss));
    const double clip = p.clip_norm / std::sqrt(ss);
    for (const TensorSlot& s : layout.tensors()) {
        for (int64_t i = s.offset; i < s.offset + s.size(); ++i) {
            const double gi = gr[i] * clip;
            mr[i] = 0.9 * mr[i] + 0.1 * gi;
            vr[i] = 0.95 * vr[i] + 0.05 * gi * gi;
            const double mh = mr[i] / (1 - std::pow(0.9, 3)), vh = vr[i] / (1 - std::pow(0.95, 3));
            const double decay = s.is_matrix() ? 1 - 0.01 * 0.1 : 1.0;
            wr[i] = wr[i] * decay - 0.01 * mh / (std::sqrt(vh) + 1e-8);
            KT_CHECK(kt::close(w[i], wr[i], 1e-6, 1e-5), "%s: w %g vs reference %g", s.name.c_str(), w[i], wr[i]);
            KT_CHECK(kt::close(m[i], mr[i], 1e-7, 1e-5) && kt::close(v[i], vr[i], 1e-8, 1e-5), "%s: moments", s.name.c_str());
        }
    }
    // a non-finite gradient changes nothing
    std::vector<float> before = w;
    g[3] = NAN;
    const double bad = adamw_step(w.data(), g.data(), m.data(), v.data(), layout, p, nullptr);
    KT_CHECK(!std::isfinite(bad), "non-finite norm expected, found %g", bad);
    KT_CHECK(std::memcmp(before.data(), w.data(), w.size() * sizeof(float)) == 0, "weights changed after a non-finite gradient");
}

void check_learns_copy_task() {
    // sequences "x1 x2 x3 x4 SEP x1 x2 x3 x4": only the copy is scored
    LmConfig c = tiny_config();
    c.n_vocab = 10;
    c.n_embd = 32;
    c.n_head = 4;
    c.n_ff = 64;
    c.n_ctx = 9;
    ThreadPool pool(2);
    LmGraph<float> g(c, &pool);
    const LmLayout& layout = g.layout();
    kt::Rng rng(11);
    std::vector<float> w(static_cast<size_t>(layout.total())), grad(w.size()), m(w.size()), v(w.size());
    for (const TensorSlot& s : layout.tensors())
        for (int64_t i = 0; i < s.size(); ++i) w[s.offset + i] = s.is_matrix() ? rng.uniform(0.17f) : 1.0f;
    AdamWParams p;
    p.lr = 3e-3f;
    p.weight_decay = 0.0f;
    double first = 0, last = 0;
    for (int step = 1; step <= 300; ++step) {
        TestBatch tb;
        tb.offsets.push_back(0);
        for (int s = 0; s < 16; ++s) {
            int x[4];
            for (int& xi : x) xi = 1 + rng.below(9);
            for (int t = 0; t < 4; ++t) { tb.tokens.push_back(x[t]); tb.weights.push_back(0); }
            tb.tokens.push_back(0);
            tb.weights.push_back(0);
            for (int t = 0; t < 4; ++t) { tb.tokens.push_back(x[t]); tb.weights.push_back(1); }
            tb.offsets.push_back(static_cast<int32_t>(tb.tokens.size()));
        }
        const double loss = g.loss(w.data(), tb.batch(), tb.weights.data(), grad.data(), nullptr);
        p.step = step;
        adamw_step(w.data(), grad.data(), m.data(), v.data(), layout, p, &pool);
        if (step == 1) first = loss;
        last = loss;
    }
    KT_CHECK(first > 2.0 && last < 0.2 * first, "copy task: loss %.4f at step 1, %.4f at step 300", first, last);
    std::printf("copy task: loss %.4f -> %.4f in 300 steps\n", first, last);
}

}  // namespace

int main() {
    check_finite_differences();
    check_float_matches_double();
    check_determinism_and_isolation();
    check_adamw();
    check_learns_copy_task();
    return kt::finish("test_lm_gradients");
}
