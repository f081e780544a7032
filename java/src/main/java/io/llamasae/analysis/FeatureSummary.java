package io.llamasae.analysis;

/**
 * Per-feature statistics in the reference study's definitions.
 *
 * @param featureId          latent index
 * @param activeCount        rows where the code is non-zero
 * @param activationFreq     activeCount / rows
 * @param meanMagnitude      Σ|a| / rows (zeros included: the reference {@code mean_magnitude})
 * @param meanAbsWhenActive  Σ|a| / activeCount (0 when never active)
 * @param meanWhenActive     Σa / activeCount (0 when never active)
 * @param maxAbs             max |a|
 */
public record FeatureSummary(int featureId, long activeCount, double activationFreq, double meanMagnitude,
                             double meanAbsWhenActive, double meanWhenActive, double maxAbs) {
}
