package io.llamasae.validation;

import io.llamasae.engine.Edit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The change an edit list makes to one row's sparse code, with the engine's semantics (the shared
 * contracts and {@code native/src/kernels/sparse_edit.h}): every edit reads the ORIGINAL code z,
 * edits apply in list order so a later edit of the same latent wins; scale f by s: z'_f = s·z_f;
 * clamp f to v: z'_f = v (also when inactive); swap a↔b: z'_a = z_b, z'_b = z_a. Steering is not
 * a code edit: it adds α·W_dec[f] to the residual and is returned separately.
 */
public final class CodeEdits {
    private CodeEdits() {}

    /**
     * Result for one row.
     *
     * @param codeChange latent → z'_f − z_f, only latents whose value changed (in first-edit order)
     * @param steering   latent → summed steering coefficient α
     */
    public record RowChange(Map<Integer, Double> codeChange, Map<Integer, Double> steering) {
        public boolean isNoOp() {
            return codeChange.isEmpty() && steering.isEmpty();
        }
    }

    /**
     * Applies the edits of {@code block} to row {@code row} of codes {@code indices, values: [n, k]}
     * (index −1 = padding). Edits of other blocks are ignored.
     */
    public static RowChange apply(int[] indices, float[] values, int k, int row, List<Edit> edits, int block) {
        Map<Integer, Float> original = new LinkedHashMap<>();
        for (int s = row * k, e = s + k; s < e; s++) {
            if (indices[s] >= 0) original.put(indices[s], values[s]);
        }
        Map<Integer, Float> edited = new LinkedHashMap<>();
        Map<Integer, Double> steering = new LinkedHashMap<>();
        for (Edit ed : edits) {
            if (ed.block() != block) continue;
            int f = ed.latent();
            switch (ed.op()) {
                case SCALE -> edited.put(f, ed.value() * z(original, f));  // float product, as the kernel
                case CLAMP -> edited.put(f, ed.value());
                case SWAP -> {
                    float za = z(original, f);
                    float zb = z(original, ed.partner());
                    edited.put(f, zb);
                    edited.put(ed.partner(), za);
                }
                case STEER -> {
                    if (ed.value() != 0f) steering.merge(f, (double) ed.value(), Double::sum);
                }
            }
        }
        Map<Integer, Double> change = new LinkedHashMap<>();
        for (Map.Entry<Integer, Float> e : edited.entrySet()) {
            float before = z(original, e.getKey());
            float after = e.getValue();
            if (after != before) change.put(e.getKey(), (double) after - before);
        }
        steering.values().removeIf(a -> a == 0.0);
        return new RowChange(change, steering);
    }

    private static float z(Map<Integer, Float> code, int f) {
        return code.getOrDefault(f, 0f);
    }
}
