package io.llamasae.lm;

import io.llamasae.model.TestModelGenerator;
import java.nio.FloatBuffer;

/**
 * The initial weights of a model, a pure function of (architecture, seed): the random-init twin
 * of a trained model is exactly these weights. GPT-2-style scales: every matrix N(0, 0.02), the
 * two projections that write into the residual stream (attn_output, ffn_down) N(0, 0.02 /
 * sqrt(2 n_layer)) so the residual's variance does not grow with depth, RMSNorm gains 1. Each
 * tensor has its own stream seeded by (seed, tensor name), so the values do not depend on the
 * order tensors are listed in.
 */
public final class LmInit {
    public static final double STD = 0.02;

    private LmInit() {
    }

    /** Overwrites all weights of {@code lm} with the initial values of {@code seed}. */
    public static void initialize(NativeLm lm, long seed) {
        FloatBuffer w = lm.weights();
        for (NativeLm.Tensor t : lm.tensors()) {
            w.put(Math.toIntExact(t.offset()), initialValues(t, seed, lm.architecture().nLayer()));
        }
    }

    /** The initial values of one tensor. */
    static float[] initialValues(NativeLm.Tensor t, long seed, int nLayer) {
        if (!t.isMatrix()) {
            float[] ones = new float[t.size()];
            java.util.Arrays.fill(ones, 1f);
            return ones;
        }
        boolean residualWriter = t.name().endsWith("attn_output.weight") || t.name().endsWith("ffn_down.weight");
        double std = residualWriter ? STD / Math.sqrt(2.0 * nLayer) : STD;
        return TestModelGenerator.gaussian(seed, t.name(), t.size(), 0.0, std);
    }
}
