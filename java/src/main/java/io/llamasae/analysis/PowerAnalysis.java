package io.llamasae.analysis;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Smallest detectable accuracy change for an intervention experiment.
 *
 * <p>Formula (two proportions, normal approximation, equal size n per arm, variance at the baseline
 * accuracy p0): MDE = (z_{1−α/2} + z_{power}) · sqrt(2 · p0 · (1 − p0) / n). With α = 0.05,
 * power = 0.8 and p0 = 0.5 this is 2.8016 · sqrt(0.5 / n): n = 7 → 0.75, n = 100 → 0.198,
 * n = 1495 → 0.051. A paired design (the same problems with and without the intervention, analysed by
 * McNemar) needs at most this many problems when outcomes are positively correlated, so the figure
 * is a conservative bound.
 */
public final class PowerAnalysis {
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private PowerAnalysis() {
    }

    public static double minDetectableDifference(long n, double alpha, double power, double baselineAccuracy) {
        if (n < 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) || !(baselineAccuracy > 0 && baselineAccuracy < 1)) {
            throw new IllegalArgumentException("power analysis: expected alpha, power, baseline in (0,1) but found " + alpha + ", " + power
                    + ", " + baselineAccuracy);
        }
        double z = STANDARD_NORMAL.inverseCumulativeProbability(1 - alpha / 2) + STANDARD_NORMAL.inverseCumulativeProbability(power);
        return z * Math.sqrt(2 * baselineAccuracy * (1 - baselineAccuracy) / n);
    }
}
