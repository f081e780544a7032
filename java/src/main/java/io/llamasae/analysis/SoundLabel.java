package io.llamasae.analysis;

import java.util.List;

/**
 * A sound-mode label.
 *
 * @param type        one of the {@code SoundRules} type constants
 * @param description e.g. "multiplication", "multiplication→addition", "number 12", "multiplication + number 12"
 * @param enriched    the enriched patterns, strongest first
 */
public record SoundLabel(String type, String description, List<PatternTest> enriched) {
    public SoundLabel {
        enriched = List.copyOf(enriched);
    }
}
