package io.llamasae.dashboard;

import java.util.stream.IntStream;

/**
 * Each latent's nearest decoder directions by cosine similarity (Neuronpedia's {@code topkCosSimIndices}
 * / {@code topkCosSimValues}): which other features write almost the same vector into the residual stream.
 * Costs F²·d multiply-adds, so dictionaries wider than {@link #MAX_LATENTS} are skipped (empty result).
 */
public final class DecoderNeighbours {
    /** Above this width the all-pairs cost (F²·d: 34 GFLOP at F = 4,096, d = 2,048, some seconds on 2 cores) is not paid. */
    public static final int MAX_LATENTS = 4_096;

    private DecoderNeighbours() {}

    /** @param indices [F][n] neighbour latents, most similar first; {@code values} their cosines */
    public record Result(int[][] indices, double[][] values) {
        public boolean isEmpty() {
            return indices.length == 0;
        }
    }

    /** @param wDec decoder rows [F, d] */
    public static Result compute(float[] wDec, int numLatents, int n) {
        if (numLatents > MAX_LATENTS || n < 1) return new Result(new int[0][], new double[0][]);
        int d = wDec.length / numLatents;
        double[] norm = new double[numLatents];
        for (int f = 0; f < numLatents; f++) norm[f] = Math.sqrt(LogitEffects.dot(wDec, f * d, wDec, f * d, d));
        int keep = Math.min(n, numLatents - 1);
        int[][] idx = new int[numLatents][];
        double[][] val = new double[numLatents][];
        IntStream.range(0, numLatents).parallel().forEach(f -> {
            LogitEffects.TopScores best = new LogitEffects.TopScores(keep);
            for (int g = 0; g < numLatents; g++) {
                if (g == f) continue;
                double den = norm[f] * norm[g];
                double cos = den == 0 ? 0 : LogitEffects.dot(wDec, f * d, wDec, g * d, d) / den;
                best.offer(cos, g);
            }
            var effects = best.effects(t -> "", 1);
            idx[f] = effects.stream().mapToInt(LogitEffects.TokenEffect::token).toArray();
            val[f] = effects.stream().mapToDouble(LogitEffects.TokenEffect::value).toArray();
        });
        return new Result(idx, val);
    }
}
