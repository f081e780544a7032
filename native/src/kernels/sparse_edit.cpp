#include "sparse_edit.h"

#include <cstddef>
#include <vector>

namespace llama_sae {

namespace {

// z_f from the sparse code (0 when f is not among the slots).
float code_value(const int32_t* idx, const float* val, int32_t k, int32_t f) {
    for (int32_t s = 0; s < k; ++s)
        if (idx[s] == f) return val[s];
    return 0.0f;
}

int32_t check_code(const SaeView& sae, const int32_t* idx, const float* val, int32_t k) {
    if (sae.d <= 0 || sae.F <= 0 || k < 0) return kErrBadShape;
    if (k > 0 && (!idx || !val)) return kErrNullPointer;
    for (int32_t s = 0; s < k; ++s)
        if (idx[s] < -1 || idx[s] >= sae.F) return kErrBadIndex;
    return kOk;
}

// h += a * W_dec[f]
void axpy_row(const SaeView& sae, int32_t f, float a, float* h) {
    const float* w = sae.W_dec + static_cast<int64_t>(f) * sae.d;
    for (int32_t i = 0; i < sae.d; ++i) h[i] += a * w[i];
}

struct Change {
    int32_t latent;
    float old_value;
    float new_value;
};

}  // namespace

int32_t decode(const SaeView& sae, const int32_t* idx, const float* val, int32_t k, float* out_row) {
    if (const int32_t st = check_code(sae, idx, val, k); st != kOk) return st;
    if (!sae.W_dec || !sae.b_dec || !out_row) return kErrNullPointer;
    for (int32_t i = 0; i < sae.d; ++i) out_row[i] = sae.b_dec[i];
    for (int32_t s = 0; s < k; ++s)
        if (idx[s] >= 0) axpy_row(sae, idx[s], val[s], out_row);
    return kOk;
}

int32_t steer(const SaeView& sae, int32_t latent, float alpha, float* h_row) {
    if (sae.d <= 0 || sae.F <= 0) return kErrBadShape;
    if (!sae.W_dec || !h_row) return kErrNullPointer;
    if (latent < 0 || latent >= sae.F) return kErrBadLatent;
    if (alpha == 0.0f) return 0;
    axpy_row(sae, latent, alpha, h_row);
    return 1;
}

int32_t apply_edits(const SaeView& sae, const int32_t* idx, const float* val, int32_t k,
                    const LatentEdit* edits, int32_t n_edits, EditMode mode, float* h_row) {
    if (mode != EditMode::ErrorPreserving && mode != EditMode::Reconstruction) return kErrBadMode;
    if (const int32_t st = check_code(sae, idx, val, k); st != kOk) return st;
    if (n_edits < 0) return kErrBadShape;
    if (!sae.W_dec || !h_row || (n_edits > 0 && !edits)) return kErrNullPointer;
    if (mode == EditMode::Reconstruction && !sae.b_dec) return kErrNullPointer;
    for (int32_t e = 0; e < n_edits; ++e) {
        const LatentEdit& ed = edits[e];
        if (ed.op != kEditScale && ed.op != kEditClamp && ed.op != kEditSwap) return kErrBadMode;
        if (ed.latent < 0 || ed.latent >= sae.F) return kErrBadLatent;
        if (ed.op == kEditSwap && (ed.partner < 0 || ed.partner >= sae.F)) return kErrBadLatent;
    }

    // z' on the edited latents, each read from the original z; a later write to a latent wins.
    std::vector<Change> changes;
    changes.reserve(static_cast<size_t>(n_edits) * 2);
    auto set = [&](int32_t f, float v) {
        for (Change& c : changes)
            if (c.latent == f) {
                c.new_value = v;
                return;
            }
        changes.push_back(Change{f, code_value(idx, val, k, f), v});
    };
    for (int32_t e = 0; e < n_edits; ++e) {
        const LatentEdit& ed = edits[e];
        const float z = code_value(idx, val, k, ed.latent);
        switch (ed.op) {
            case kEditScale: set(ed.latent, ed.value * z); break;
            case kEditClamp: set(ed.latent, ed.value); break;
            case kEditSwap: {
                const float zp = code_value(idx, val, k, ed.partner);
                set(ed.latent, zp);
                set(ed.partner, z);
                break;
            }
        }
    }

    if (mode == EditMode::Reconstruction) {
        // decode(z'): the original slots with their new values, then newly set latents.
        for (int32_t i = 0; i < sae.d; ++i) h_row[i] = sae.b_dec[i];
        for (int32_t s = 0; s < k; ++s) {
            if (idx[s] < 0) continue;
            float z = val[s];
            for (const Change& c : changes)
                if (c.latent == idx[s]) z = c.new_value;
            axpy_row(sae, idx[s], z, h_row);
        }
        for (const Change& c : changes) {
            bool in_code = false;
            for (int32_t s = 0; s < k && !in_code; ++s) in_code = idx[s] == c.latent;
            if (!in_code) axpy_row(sae, c.latent, c.new_value, h_row);
        }
        return 1;
    }

    bool changed = false;
    for (const Change& c : changes) {
        if (c.new_value == c.old_value) continue;  // exact no-op: contributes nothing
        axpy_row(sae, c.latent, c.new_value - c.old_value, h_row);
        changed = true;
    }
    return changed ? 1 : 0;
}

}  // namespace llama_sae
