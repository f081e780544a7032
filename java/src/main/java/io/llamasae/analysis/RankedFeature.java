package io.llamasae.analysis;

/** A feature with its 1-based frequency rank. */
public record RankedFeature(int rank, FeatureSummary summary) {
    public int featureId() {
        return summary.featureId();
    }
}
