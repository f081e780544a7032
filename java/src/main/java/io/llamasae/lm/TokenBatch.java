package io.llamasae.lm;

import java.util.List;

/**
 * A ragged batch for the native trainer: sequence s is {@code tokens[offsets[s] .. offsets[s+1])};
 * {@code weights[n]} is the weight of predicting token n from the tokens before it (0 at each
 * sequence's first token).
 */
public record TokenBatch(int[] tokens, int[] offsets, float[] weights) {
    public TokenBatch {
        if (offsets.length < 2 || offsets[0] != 0 || offsets[offsets.length - 1] != tokens.length || weights.length != tokens.length) {
            throw new IllegalArgumentException("batch: expected offsets 0.." + tokens.length + " and " + tokens.length
                    + " weights but found " + offsets.length + " offsets and " + weights.length + " weights");
        }
    }

    /** Number of sequences. */
    public int size() {
        return offsets.length - 1;
    }

    /** Examples scored on their targets (weight 1 on every target token, 0 on the prompt). */
    public static TokenBatch of(List<LmExample> examples) {
        int n = 0;
        for (LmExample e : examples) n = Math.addExact(n, e.length());
        int[] tokens = new int[n];
        int[] offsets = new int[examples.size() + 1];
        float[] weights = new float[n];
        int at = 0;
        for (int i = 0; i < examples.size(); i++) {
            LmExample e = examples.get(i);
            System.arraycopy(e.tokens(), 0, tokens, at, e.length());
            for (int t = e.promptLength(); t < e.length(); t++) weights[at + t] = 1f;
            at += e.length();
            offsets[i + 1] = at;
        }
        return new TokenBatch(tokens, offsets, weights);
    }

    /** Plain sequences with no scored tokens (for logits). */
    public static TokenBatch unscored(List<int[]> sequences) {
        int n = 0;
        for (int[] s : sequences) n = Math.addExact(n, s.length);
        int[] tokens = new int[n];
        int[] offsets = new int[sequences.size() + 1];
        int at = 0;
        for (int i = 0; i < sequences.size(); i++) {
            System.arraycopy(sequences.get(i), 0, tokens, at, sequences.get(i).length);
            at += sequences.get(i).length;
            offsets[i + 1] = at;
        }
        return new TokenBatch(tokens, offsets, new float[n]);
    }
}
