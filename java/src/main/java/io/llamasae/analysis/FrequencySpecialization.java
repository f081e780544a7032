package io.llamasae.analysis;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

import java.util.List;

/** The frequency–specialization relation the reference reported ("rare features are specialized"), computed. */
public final class FrequencySpecialization {
    private FrequencySpecialization() {
    }

    /**
     * Spearman rank correlation between activation frequency and the specialized indicator (1/0) over
     * {@code features}; negative means rarer features are more often specialized. NaN when fewer than
     * 3 features or when either variable is constant (e.g. nothing specialized).
     */
    public static double spearman(List<FeatureAnalysis> features) {
        if (features.size() < 3) {
            return Double.NaN;
        }
        double[] freq = new double[features.size()];
        double[] spec = new double[features.size()];
        for (int i = 0; i < features.size(); i++) {
            freq[i] = features.get(i).summary().activationFreq();
            spec[i] = features.get(i).specialized() ? 1 : 0;
        }
        if (constant(freq) || constant(spec)) {
            return Double.NaN;
        }
        return new SpearmansCorrelation().correlation(freq, spec);
    }

    private static boolean constant(double[] x) {
        for (double v : x) {
            if (v != x[0]) {
                return false;
            }
        }
        return true;
    }
}
