// Interventions: error-preserving deltas vs a double reference of encode -> edit -> decode
// difference; no-op edits leave the row bit-identical; reconstruction equals decode(z');
// steer and decode vs double; invalid arguments are rejected without writing.
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "check.h"
#include "sparse_edit.h"
#include "topk_encode.h"

using namespace llama_sae;

namespace {

struct Sae {
    int32_t d, F;
    std::vector<float> W_enc, b_enc, W_dec, b_dec;
    SaeView view() const { return SaeView{d, F, W_enc.data(), b_enc.data(), W_dec.data(), b_dec.data(), nullptr}; }
};

// Independent reference of the contract's z' (dense, double): edits read the original z, in
// array order; a later write to the same latent wins.
std::vector<double> reference_edit(const std::vector<double>& z, const std::vector<LatentEdit>& edits) {
    std::vector<double> zn = z;
    for (const LatentEdit& e : edits) {
        if (e.op == kEditScale) zn[static_cast<size_t>(e.latent)] = double(float(e.value * float(z[static_cast<size_t>(e.latent)])));
        if (e.op == kEditClamp) zn[static_cast<size_t>(e.latent)] = e.value;
        if (e.op == kEditSwap) {
            zn[static_cast<size_t>(e.latent)] = z[static_cast<size_t>(e.partner)];
            zn[static_cast<size_t>(e.partner)] = z[static_cast<size_t>(e.latent)];
        }
    }
    return zn;
}

std::vector<double> dense_code(const Sae& s, const int32_t* idx, const float* val, int32_t k) {
    std::vector<double> z(static_cast<size_t>(s.F), 0.0);
    for (int32_t i = 0; i < k; ++i)
        if (idx[i] >= 0) z[static_cast<size_t>(idx[i])] = val[i];
    return z;
}

std::vector<double> reference_decode(const Sae& s, const std::vector<double>& z) {
    std::vector<double> h(s.b_dec.begin(), s.b_dec.end());
    for (int32_t f = 0; f < s.F; ++f)
        for (int32_t i = 0; i < s.d; ++i) h[static_cast<size_t>(i)] += z[static_cast<size_t>(f)] * s.W_dec[static_cast<size_t>(f) * s.d + i];
    return h;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& ref, const char* what) {
    int bad = 0;
    for (size_t i = 0; i < got.size(); ++i)
        if (!kt::close(got[i], ref[i], 1e-5, 1e-5) && bad++ < 3)
            KT_CHECK(false, "%s: h[%zu] got %.8g ref %.8g", what, i, got[i], ref[i]);
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

int main() {
    kt::Rng rng(11);
    Sae s{37, 50, rng.vec(50 * 37, 1.0f), rng.vec(50, 0.3f), rng.vec(50 * 37, 1.0f), rng.vec(37, 0.5f)};
    const SaeView v = s.view();
    const int32_t k = 8;
    std::vector<float> x = rng.vec(37, 1.0f);
    std::vector<int32_t> idx(k);
    std::vector<float> val(k);
    KT_CHECK(encode(v, Activation::TopKRelu, x.data(), 1, k, idx.data(), val.data(), nullptr) == kOk, "encode");
    const std::vector<double> z = dense_code(s, idx.data(), val.data(), k);
    int32_t inactive = 0, inactive2 = 0;
    for (int32_t f = 0, seen = 0; f < s.F; ++f)
        if (z[static_cast<size_t>(f)] == 0.0) (seen++ == 0 ? inactive : inactive2) = f;
    const int32_t a0 = idx[0], a1 = idx[1], a2 = idx[2];
    KT_CHECK(val[0] > 0 && val[1] > 0 && val[2] > 0, "test needs three active latents");

    // h: the residual row, including -0.0 and a NaN so "+0.0 added" would show up.
    std::vector<float> h0 = rng.vec(37, 2.0f);
    h0[3] = -0.0f;
    h0[5] = std::numeric_limits<float>::quiet_NaN();

    const std::vector<std::vector<LatentEdit>> changing = {
        {{a0, kEditScale, 0.0f, 0}},                                  // ablate an active latent
        {{a1, kEditScale, 2.5f, 0}},                                  // scale
        {{inactive, kEditClamp, 3.0f, 0}},                            // clamp an inactive latent
        {{a0, kEditClamp, -1.25f, 0}},                                // clamp an active latent
        {{a0, kEditSwap, 0.0f, inactive}},                            // swap active <-> inactive
        {{a1, kEditSwap, 0.0f, a2}},                                  // swap two actives
        {{a0, kEditScale, 0.0f, 0}, {inactive, kEditClamp, 2.0f, 0}, {a1, kEditSwap, 0.0f, a2}},
        {{a0, kEditScale, 3.0f, 0}, {a0, kEditClamp, 0.5f, 0}},      // same latent: later wins
    };
    for (size_t c = 0; c < changing.size(); ++c) {
        const std::vector<LatentEdit>& e = changing[c];
        const std::vector<double> zn = reference_edit(z, e);
        const std::vector<double> dec_z = reference_decode(s, z), dec_zn = reference_decode(s, zn);
        // error-preserving: h + decode(z') - decode(z), in double
        std::vector<float> h = h0;
        KT_CHECK(apply_edits(v, idx.data(), val.data(), k, e.data(), int32_t(e.size()), EditMode::ErrorPreserving,
                             h.data()) == 1, "case %zu reports a change", c);
        std::vector<double> ref(37);
        for (size_t i = 0; i < 37; ++i) ref[i] = double(h0[i]) + dec_zn[i] - dec_z[i];
        h[5] = 0.0f, ref[5] = 0.0;  // the NaN lane stays NaN; compare the rest
        expect_close(h, ref, "error-preserving");
        // reconstruction: decode(z') in double, and our decode of the same z'
        std::vector<float> hr = h0;
        KT_CHECK(apply_edits(v, idx.data(), val.data(), k, e.data(), int32_t(e.size()), EditMode::Reconstruction,
                             hr.data()) == 1, "reconstruction writes");
        expect_close(hr, dec_zn, "reconstruction vs double decode(z')");
        std::vector<int32_t> zi;
        std::vector<float> zv;
        for (int32_t f = 0; f < s.F; ++f)
            if (zn[static_cast<size_t>(f)] != 0.0) zi.push_back(f), zv.push_back(float(zn[static_cast<size_t>(f)]));
        std::vector<float> hd(37);
        KT_CHECK(decode(v, zi.data(), zv.data(), int32_t(zi.size()), hd.data()) == kOk, "decode");
        std::vector<double> hd_d(hd.begin(), hd.end());
        expect_close(hr, hd_d, "reconstruction vs decode(z')");
    }

    // No-op edits: row bit-identical, return 0.
    float current = 0;
    for (int32_t i = 0; i < k; ++i)
        if (idx[i] == a2) current = val[i];
    const std::vector<std::vector<LatentEdit>> noops = {
        {},
        {{a0, kEditSwap, 0.0f, a0}},            // swap with itself
        {{inactive, kEditScale, 0.0f, 0}},      // ablate an inactive latent
        {{a1, kEditScale, 1.0f, 0}},            // scale by 1
        {{a2, kEditClamp, current, 0}},         // clamp to the current value
        {{inactive, kEditSwap, 0.0f, inactive2}},  // swap two inactive latents
    };
    for (size_t c = 0; c < noops.size(); ++c) {
        std::vector<float> h = h0;
        const int32_t r = apply_edits(v, idx.data(), val.data(), k, noops[c].data(), int32_t(noops[c].size()),
                                      EditMode::ErrorPreserving, h.data());
        KT_CHECK(r == 0, "no-op case %zu returned %d", c, r);
        KT_CHECK(bit_identical(h, h0), "no-op case %zu changed the row", c);
    }

    // decode vs double; padding slots ignored.
    {
        std::vector<int32_t> pi = idx;
        std::vector<float> pv = val;
        pi[k - 1] = -1, pv[k - 1] = 0.0f;
        std::vector<float> out(37, std::numeric_limits<float>::quiet_NaN());
        KT_CHECK(decode(v, pi.data(), pv.data(), k, out.data()) == kOk, "decode padded");
        expect_close(out, reference_decode(s, dense_code(s, pi.data(), pv.data(), k)), "decode");
    }

    // steer
    {
        std::vector<float> h = h0;
        KT_CHECK(steer(v, 17, -0.75f, h.data()) == 1, "steer writes");
        std::vector<double> ref(37);
        for (size_t i = 0; i < 37; ++i) ref[i] = double(h0[i]) - 0.75 * s.W_dec[17 * 37 + i];
        h[5] = 0.0f, ref[5] = 0.0;
        expect_close(h, ref, "steer");
        h = h0;
        KT_CHECK(steer(v, 17, 0.0f, h.data()) == 0 && bit_identical(h, h0), "steer by 0 untouched");
    }

    // Invalid arguments: rejected, row untouched.
    {
        std::vector<float> h = h0;
        const LatentEdit bad_latent{50, kEditScale, 0.0f, 0}, bad_partner{1, kEditSwap, 0.0f, -3},
            bad_op{1, 9, 0.0f, 0}, good{a0, kEditScale, 0.0f, 0};
        auto edit = [&](const int32_t* i, const float* vv, int32_t kk, const LatentEdit* e, int32_t n, EditMode m,
                        SaeView sv) { return apply_edits(sv, i, vv, kk, e, n, m, h.data()); };
        const EditMode EP = EditMode::ErrorPreserving;
        KT_CHECK(edit(idx.data(), val.data(), k, &bad_latent, 1, EP, v) == kErrBadLatent, "latent F");
        KT_CHECK(edit(idx.data(), val.data(), k, &bad_partner, 1, EP, v) == kErrBadLatent, "partner -3");
        KT_CHECK(edit(idx.data(), val.data(), k, &bad_op, 1, EP, v) == kErrBadMode, "op 9");
        KT_CHECK(edit(idx.data(), val.data(), k, &good, 1, static_cast<EditMode>(5), v) == kErrBadMode, "mode 5");
        KT_CHECK(edit(idx.data(), val.data(), k, nullptr, 1, EP, v) == kErrNullPointer, "edits null");
        KT_CHECK(edit(nullptr, val.data(), k, &good, 1, EP, v) == kErrNullPointer, "idx null");
        std::vector<int32_t> bad_idx = idx;
        bad_idx[2] = 50;
        KT_CHECK(edit(bad_idx.data(), val.data(), k, &good, 1, EP, v) == kErrBadIndex, "code index F");
        SaeView nv = v;
        nv.W_dec = nullptr;
        KT_CHECK(edit(idx.data(), val.data(), k, &good, 1, EP, nv) == kErrNullPointer, "W_dec null");
        nv = v;
        nv.b_dec = nullptr;
        KT_CHECK(edit(idx.data(), val.data(), k, &good, 1, EditMode::Reconstruction, nv) == kErrNullPointer, "b_dec");
        KT_CHECK(steer(v, -1, 1.0f, h.data()) == kErrBadLatent, "steer latent -1");
        KT_CHECK(steer(v, 0, 1.0f, nullptr) == kErrNullPointer, "steer null row");
        KT_CHECK(decode(v, bad_idx.data(), val.data(), k, h.data()) == kErrBadIndex, "decode bad index");
        KT_CHECK(bit_identical(h, h0), "row written on error");
    }
    return kt::finish("test_sparse_edit");
}
