package io.llamasae.analysis;

import java.util.Locale;

/** Which specialization rules to apply. */
public enum AnalysisMode {
    /** The reference rules, quirks included ({@link SeedRules}). */
    SEED,
    /** Whole-number matching, parsed operations, support, enrichment with FDR ({@link SoundRules}); the default. */
    SOUND;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AnalysisMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode: expected seed or sound but found '" + s + "'");
        }
    }
}
