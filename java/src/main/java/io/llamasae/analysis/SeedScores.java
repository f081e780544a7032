package io.llamasae.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference's {@code scores} object.
 *
 * @param operations   operation label → percent of top samples (keys in order addition, subtraction, multiplication, division)
 * @param values       value ("12", "20", "30", "50", "100") → number of top samples containing it
 * @param totalSamples number of top samples scored
 */
public record SeedScores(Map<String, Double> operations, Map<String, Integer> values, int totalSamples) {
    public SeedScores {
        operations = Collections.unmodifiableMap(new LinkedHashMap<>(operations));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Value percentage as the reference compared it: count / total · 100 (0 when there are no samples). */
    public double valuePercent(String value) {
        Integer c = values.get(value);
        return c == null || totalSamples == 0 ? 0 : (double) c / totalSamples * 100;
    }
}
