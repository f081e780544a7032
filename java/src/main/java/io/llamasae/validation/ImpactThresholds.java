package io.llamasae.validation;

/**
 * Classification of a feature by its {@code mean_impact} ({@link ImpactMetrics}), with the
 * reference study's labels.
 *
 * <p>The thresholds are guesses inferred from the stored reference file
 * ({@code validation_results_layer14_pos3.json}), which does not state them: 0.1006 is HIGH while
 * 0.0999 and 0.0979 are MEDIUM, so HIGH iff mean_impact &gt; 0.1; MEDIUM values there go down to
 * 0.075 and MINIMAL values up to 3.6e-5, so any MEDIUM/MINIMAL cut between them fits; 0.01 is
 * chosen. Both are configurable.
 *
 * @param high   mean_impact strictly above this is {@link #HIGH} (default 0.1)
 * @param medium mean_impact strictly above this (and not high) is {@link #MEDIUM}; else {@link #MINIMAL} (default 0.01)
 */
public record ImpactThresholds(double high, double medium) {
    public static final String HIGH = "\u2713 HIGH";
    public static final String MEDIUM = "\u25cb MEDIUM";
    public static final String MINIMAL = "\u25cb MINIMAL";

    public ImpactThresholds {
        if (!(medium >= 0) || !(high > medium) || !Double.isFinite(high)) {
            throw new IllegalArgumentException("impact thresholds: expected finite 0 <= medium < high but found medium=" + medium
                    + ", high=" + high);
        }
    }

    public static ImpactThresholds defaults() {
        return new ImpactThresholds(0.1, 0.01);
    }

    public String classify(double meanImpact) {
        if (meanImpact > high) return HIGH;
        if (meanImpact > medium) return MEDIUM;
        return MINIMAL;
    }
}
