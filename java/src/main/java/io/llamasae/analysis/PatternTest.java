package io.llamasae.analysis;

/**
 * Enrichment of one pattern among one feature's top samples.
 *
 * @param pattern  the pattern
 * @param k        top samples carrying it
 * @param n        top samples (distinct)
 * @param K        dataset samples carrying it
 * @param N        dataset samples
 * @param pValue   one-sided hypergeometric P(X >= k)
 * @param qValue   Benjamini–Hochberg adjusted over every test of the run (NaN before adjustment)
 * @param enriched passes the {@link SoundThresholds} (NaN q → false)
 */
public record PatternTest(SpecializationPattern pattern, int k, int n, int K, int N, double pValue, double qValue,
                          boolean enriched) {
    /** k / n. */
    public double share() {
        return n == 0 ? 0 : (double) k / n;
    }

    /** K / N. */
    public double baseRate() {
        return (double) K / N;
    }

    /** share / base rate (infinite if the pattern never occurs in the dataset but does here; impossible by construction). */
    public double lift() {
        return K == 0 ? 0 : share() / baseRate();
    }

    PatternTest withQ(double q, boolean isEnriched) {
        return new PatternTest(pattern, k, n, K, N, pValue, q, isEnriched);
    }
}
