// The trainer's route choice, measured: one linear layer's forward and backward (Y = X W^T,
// dW = dY^T X, dX = dY W) at the trainer's shapes, by ggml's CPU backend the way ggml's autograd
// builds it (ggml_mul_mat forward, ggml_out_prod for both gradients, as in ggml.c's backward of
// GGML_OP_MUL_MAT, which is what llama.cpp's training API and a ggml-built training graph run)
// against the trainer's own GEMMs (lm_math.h: project SGEMM, weight_grad). Same inputs, same
// threads, same process; results are checked against each other before timing.
//
//   build/native/native/bench_lm_vs_ggml [n_tokens reps threads]   (default 4096 5 2)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "lm_math.h"

// ggml's CPU backend is a module chosen at run time (GGML_BACKEND_DL): load the best one for this
// machine from the build tree (or LLAMA_SAE_BACKEND_DIR) and run graphs through the backend API.
static ggml_backend_t cpu_backend(int threads) {
    static ggml_backend_t cpu = [] {
        const char * dir = std::getenv("LLAMA_SAE_BACKEND_DIR");
        ggml_backend_load_all_from_path(dir ? dir : LLAMA_SAE_BUILD_BACKEND_DIR);
        ggml_backend_t b = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, nullptr);
        if (!b) {
            std::fprintf(stderr, "no ggml CPU backend module found\n");
            std::exit(1);
        }
        return b;
    }();
    auto * reg = ggml_backend_dev_backend_reg(ggml_backend_get_device(cpu));
    auto set_threads = (ggml_backend_set_n_threads_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads");
    if (set_threads) set_threads(cpu, threads);
    return cpu;
}

using namespace llama_sae;
using namespace llama_sae::lm;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <class F>
double time_ms(int reps, F&& f) {
    f();  // warm-up
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return median(t);
}

double max_rel_diff(const float* a, const float* b, size_t n) {
    double err = 0, scale = 0;
    for (size_t i = 0; i < n; ++i) {
        err = std::max(err, static_cast<double>(std::fabs(a[i] - b[i])));
        scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
    }
    return err / scale;
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t N = argc > 1 ? std::atoll(argv[1]) : 4096;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
    ThreadPool pool(threads);
    std::printf("linear layer fwd+bwd, %lld tokens, %d threads (median of %d)\n", static_cast<long long>(N), threads, reps);
    std::printf("%-10s %9s %9s %9s | %9s %9s %9s | %s\n", "in x out", "ggml fwd", "ggml dW", "ggml dX", "ours fwd", "ours dW", "ours dX",
                "ggml / ours (total)");
    // (in, out) of the default model's GEMMs: qkv, attn_output, gate+up, down
    const int64_t shapes[][2] = {{128, 384}, {128, 128}, {128, 704}, {352, 128}};
    double total_ggml = 0, total_ours = 0;
    for (const auto& s : shapes) {
        const int64_t in = s[0], out = s[1];
        uint64_t seed = 7;
        auto rnd = [&] { seed = seed * 6364136223846793005ull + 1442695040888963407ull; return ((seed >> 40) / 8388608.0f - 1.0f); };
        std::vector<float> W(in * out), X(N * in), dY(N * out);
        for (float& v : W) v = rnd() * 0.1f;
        for (float& v : X) v = rnd();
        for (float& v : dY) v = rnd();

        // ggml: W ne {in, out}, X ne {in, N}, dY ne {out, N}
        ggml_init_params ip{static_cast<size_t>((W.size() + X.size() + dY.size()) * 4 * 4 + (64 << 20)), nullptr, false};
        ggml_context* ctx = ggml_init(ip);
        ggml_tensor* w = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, in, out);
        ggml_tensor* x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, in, N);
        ggml_tensor* dy = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, out, N);
        std::copy(W.begin(), W.end(), static_cast<float*>(w->data));
        std::copy(X.begin(), X.end(), static_cast<float*>(x->data));
        std::copy(dY.begin(), dY.end(), static_cast<float*>(dy->data));
        ggml_tensor* y = ggml_mul_mat(ctx, w, x);                           // ne {out, N}
        ggml_tensor* dw = ggml_out_prod(ctx, x, dy);                        // ne {in, out}
        ggml_tensor* dx = ggml_out_prod(ctx, w, ggml_transpose(ctx, dy));   // ne {in, N}
        ggml_cgraph* gy = ggml_new_graph(ctx);
        ggml_build_forward_expand(gy, y);
        ggml_cgraph* gw = ggml_new_graph(ctx);
        ggml_build_forward_expand(gw, dw);
        ggml_cgraph* gx = ggml_new_graph(ctx);
        ggml_build_forward_expand(gx, dx);
        ggml_backend_t cpu = cpu_backend(threads);
        const double g_fwd = time_ms(reps, [&] { ggml_backend_graph_compute(cpu, gy); });
        const double g_dw = time_ms(reps, [&] { ggml_backend_graph_compute(cpu, gw); });
        const double g_dx = time_ms(reps, [&] { ggml_backend_graph_compute(cpu, gx); });

        // ours: the trainer's calls (lm_graph.cpp)
        std::vector<float> Y(N * out), dW(out * in), dX(N * in), Wt(in * out), dYt, Xt, partial;
        const int64_t ld = transposed_stride(N);
        dYt.resize(out * ld);
        Xt.resize(in * ld);
        const double o_fwd = time_ms(reps, [&] { gemm_abt(N, out, in, X.data(), in, W.data(), in, Y.data(), out, &pool); });
        const double o_dw = time_ms(reps, [&] {
            transpose(dY.data(), N, out, out, dYt.data(), ld, &pool);
            transpose(X.data(), N, in, in, Xt.data(), ld, &pool);
            weight_grad(out, in, N, dYt.data(), Xt.data(), ld, dW.data(), partial, &pool);
        });
        const double o_dx = time_ms(reps, [&] {
            transpose(W.data(), out, in, in, Wt.data(), out, &pool);
            gemm_abt(N, in, out, dY.data(), out, Wt.data(), out, dX.data(), in, &pool);
        });
        // same results (ggml's dW ne {in, out} is our [out, in] row-major)
        const double e_y = max_rel_diff(Y.data(), static_cast<float*>(y->data), Y.size());
        const double e_w = max_rel_diff(dW.data(), static_cast<float*>(dw->data), dW.size());
        const double e_x = max_rel_diff(dX.data(), static_cast<float*>(dx->data), dX.size());
        if (e_y > 1e-4 || e_w > 1e-4 || e_x > 1e-4) {
            std::printf("MISMATCH %lldx%lld: fwd %.3g dW %.3g dX %.3g\n", static_cast<long long>(in), static_cast<long long>(out), e_y, e_w, e_x);
            return 1;
        }
        const double tg = g_fwd + g_dw + g_dx, to = o_fwd + o_dw + o_dx;
        total_ggml += tg;
        total_ours += to;
        std::printf("%4lldx%-5lld %8.1fms %8.1fms %8.1fms | %8.1fms %8.1fms %8.1fms | %.2fx\n", static_cast<long long>(in),
                    static_cast<long long>(out), g_fwd, g_dw, g_dx, o_fwd, o_dw, o_dx, tg / to);
        ggml_free(ctx);
    }
    std::printf("all four layers: ggml %.1f ms, ours %.1f ms: ggml / ours = %.2fx\n", total_ggml, total_ours, total_ggml / total_ours);
    return 0;
}
