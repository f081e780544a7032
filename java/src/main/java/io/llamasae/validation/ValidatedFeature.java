package io.llamasae.validation;

import io.llamasae.analysis.FeatureSummary;

/**
 * A feature in the report: its frequency statistics at the analysed position, the impact of
 * ablating it there, and the ground-truth ablation result when one was generated.
 *
 * @param rank               1-based frequency rank
 * @param summary            frequency statistics
 * @param specializationType for specialized features: why it is listed ("operation-specialized", ...); null for general ones
 * @param description        for specialized features: what it is believed to encode; null for general ones
 * @param impact             ablation impact at the analysed position, over all samples
 * @param classification     {@link ImpactThresholds} label of the mean impact
 * @param ablation           the generated ablation experiment, or null when none was run
 */
public record ValidatedFeature(int rank, FeatureSummary summary, String specializationType, String description,
                               ImpactMetrics.Summary impact, String classification, ConditionResult ablation) {
    public int featureId() {
        return summary.featureId();
    }
}
