package io.llamasae.analysis;

import java.util.List;

/**
 * Everything known about one analysed feature.
 *
 * @param rank              1-based frequency rank
 * @param summary           frequency, magnitudes, counts
 * @param type              label type (seed: general / operation- / value- / highly-specialized; sound adds
 *                          sequence-specialized and insufficient-evidence)
 * @param description       label description
 * @param scores            reference-shaped scores (seed: substring tests; sound: parsed operations, whole numbers)
 * @param evidence          sound mode: every enrichment test of this feature, BH-adjusted (empty in seed mode)
 * @param topSamples        the strongest samples, best first (as many as the config stores)
 * @param feasibility       ablation/amplification feasibility on the feature's active samples
 */
public record FeatureAnalysis(int rank, FeatureSummary summary, String type, String description, SeedScores scores,
                              List<PatternTest> evidence, List<TopSampleView> topSamples, Feasibility feasibility) {
    public FeatureAnalysis {
        evidence = List.copyOf(evidence);
        topSamples = List.copyOf(topSamples);
    }

    public int featureId() {
        return summary.featureId();
    }

    /** True for every label except general and insufficient-evidence. */
    public boolean specialized() {
        return !type.equals(SeedRules.GENERAL) && !type.equals(SoundRules.INSUFFICIENT_EVIDENCE);
    }

    /** Swap-pair kind ("operation", "value", "sequence") or null for general, highly-specialized and insufficient features. */
    public String swapKind() {
        return switch (type) {
            case SeedRules.OPERATION_SPECIALIZED -> "operation";
            case SeedRules.VALUE_SPECIALIZED -> "value";
            case SoundRules.SEQUENCE_SPECIALIZED -> "sequence";
            default -> null;
        };
    }
}
