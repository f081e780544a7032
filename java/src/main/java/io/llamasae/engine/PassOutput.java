package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import java.util.Set;

/** What a captured layer produces in each run (the engine's LLAMA_SAE_OUTPUT_* bits). */
public enum PassOutput {
    /** Raw residual rows {@code [rows, n_embd]}. */
    ROWS(LlamaSaeLib.LLAMA_SAE_OUTPUT_ROWS),
    /** Sparse codes {@code [rows, k]} (layers with an SAE). */
    CODES(LlamaSaeLib.LLAMA_SAE_OUTPUT_CODES),
    /** Feature statistics per (layer, position), mergeable into {@code FeatureStatistics} (layers with an SAE). */
    STATISTICS(LlamaSaeLib.LLAMA_SAE_OUTPUT_STATS),
    /** Reconstruction sums per (layer, position), mergeable into {@code SaeMetrics} (layers with an SAE). */
    METRICS(LlamaSaeLib.LLAMA_SAE_OUTPUT_METRICS);

    /** The engine's default: rows and codes. */
    public static final Set<PassOutput> DEFAULT = Set.of(ROWS, CODES);

    private final int code;

    PassOutput(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }
}
