package io.llamasae.sae;

import java.util.Random;

/**
 * SAEs with random weights: controls (an SAE that learned nothing) and inputs for tests and benchmarks that need an SAE
 * of a given shape without training one.
 */
public final class RandomSaes {
    private RandomSaes() {}

    /**
     * A Top-K (ReLU) SAE with Gaussian weights scaled by 1/sqrt(fan-in) (encoder rows by 1/sqrt(d), decoder rows by
     * 1/sqrt(latents)) and small Gaussian biases (sd 0.01), from {@code seed}.
     */
    public static Sae gaussian(long seed, int d, int latents, int k) {
        Random rng = new Random(seed);
        float[] wEnc = new float[Math.multiplyExact(latents, d)];
        float[] wDec = new float[wEnc.length];
        float[] bEnc = new float[latents];
        float[] bDec = new float[d];
        for (int i = 0; i < wEnc.length; i++) {
            wEnc[i] = (float) (rng.nextGaussian() / Math.sqrt(d));
            wDec[i] = (float) (rng.nextGaussian() / Math.sqrt(latents));
        }
        for (int i = 0; i < latents; i++) bEnc[i] = (float) (0.01 * rng.nextGaussian());
        for (int i = 0; i < d; i++) bDec[i] = (float) (0.01 * rng.nextGaussian());
        return new Sae(d, latents, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_RELU, k);
    }
}
