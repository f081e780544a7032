package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits prompts into consecutive groups that one {@link Engine#generate} call can take (the
 * batches of a generating {@link Pass}): at most {@code maxPrompts} prompts and Σ prompt length +
 * prompts × maxTokens ≤ context size; with one KV cache per sequence
 * ({@link EngineOptions#kvPerSequence()}) each prompt + maxTokens ≤ context size.
 */
public final class PromptBatches {
    private PromptBatches() {}

    /** A half-open range [from, to) of prompt indices. */
    public record Range(int from, int to) {
        public int size() {
            return to - from;
        }
    }

    /**
     * @param lengths    prompt lengths in tokens, in order
     * @param ids        names of the prompts, for the error message (same length)
     * @param perSequence the context size is per sequence (one KV cache each), not per call
     * @throws IllegalArgumentException when one prompt alone plus maxTokens exceeds the context
     */
    public static List<Range> plan(int[] lengths, List<String> ids, int maxPrompts, int contextSize, int maxTokens, boolean perSequence) {
        if (maxPrompts < 1) throw new IllegalArgumentException("batches: expected maxPrompts >= 1 but found " + maxPrompts);
        List<Range> out = new ArrayList<>();
        int from = 0;
        long used = 0;
        for (int i = 0; i < lengths.length; i++) {
            long need = (long) lengths[i] + maxTokens;
            if (need > contextSize) {
                throw new IllegalArgumentException("prompt " + ids.get(i) + ": " + lengths[i] + " tokens + " + maxTokens
                        + " new tokens exceed the context of " + contextSize + " (raise --ctx, or generate fewer new tokens: --max-tokens, or a smaller K in --positions gK)");
            }
            if (i > from && (i - from >= maxPrompts || !perSequence && used + need > contextSize)) {
                out.add(new Range(from, i));
                from = i;
                used = 0;
            }
            used += need;
        }
        if (from < lengths.length) out.add(new Range(from, lengths.length));
        return out;
    }
}
