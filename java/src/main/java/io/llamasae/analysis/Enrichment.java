package io.llamasae.analysis;

import org.apache.commons.math3.distribution.HypergeometricDistribution;

/** Exact one-sided enrichment test of a pattern among a feature's top samples. */
public final class Enrichment {
    private Enrichment() {
    }

    /**
     * P(X >= k) for X ~ Hypergeometric(population N, successes K, draws n): the chance that n samples
     * drawn without replacement from N, of which K carry the pattern, contain k or more with it
     * (one-sided Fisher exact test).
     */
    public static double upperTailP(int populationN, int successesK, int drawsN, int observedK) {
        if (populationN < 1 || successesK < 0 || successesK > populationN || drawsN < 0 || drawsN > populationN
                || observedK < 0 || observedK > drawsN) {
            throw new IllegalArgumentException("hypergeometric: expected 0 <= K <= N, 0 <= k <= n <= N but found N=" + populationN
                    + " K=" + successesK + " n=" + drawsN + " k=" + observedK);
        }
        if (observedK == 0) {
            return 1.0;
        }
        // null RandomGenerator: no sampling needed, and avoids seeding a generator per test
        HypergeometricDistribution d = new HypergeometricDistribution(null, populationN, successesK, drawsN);
        return Math.min(1.0, d.upperCumulativeProbability(observedK));
    }
}
