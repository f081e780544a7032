package io.llamasae.analysis;

import java.util.List;

/** First-stage taxonomy entry ({@code feature_labels_*.json} {@code interpretation}). */
public record SeedInterpretation(String type, String confidence, List<String> detectedPatterns, String description) {
    public SeedInterpretation {
        detectedPatterns = List.copyOf(detectedPatterns);
    }
}
