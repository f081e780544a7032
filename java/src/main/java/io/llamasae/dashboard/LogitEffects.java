package io.llamasae.dashboard;

import io.llamasae.model.gguf.GgufFormatException;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Which output tokens a feature's decoder direction promotes and suppresses: the logit lens of
 * W_dec[f] through the model's unembedding, {@code e_f = W_U · (g ⊙ W_dec[f])}, where g is the final
 * RMSNorm's weight ({@code output_norm.weight}) and W_U is {@code output.weight}, or
 * {@code token_embd.weight} when the model ties them (llama.cpp's own fallback). The norm's data-dependent
 * 1/rms factor is left out, as in the usual "direct logit attribution" of a unit activation, so e_f
 * ranks tokens exactly as llama.cpp's logits move when h grows along W_dec[f].
 *
 * <p>W_U is read in chunks of vocabulary rows (dequantized from F32, F16, BF16 or Q8_0), so a large
 * vocabulary never sits in memory at once; every dot product is accumulated in double.
 */
public final class LogitEffects {
    private LogitEffects() {}

    /** Rows of W_U dequantized at a time (a few MiB for d = 2048). */
    static final int CHUNK_ROWS = 1024;

    /** One token's logit effect: id, its text, and e_f[token] per unit activation. */
    public record TokenEffect(int token, String text, double value) {}

    /** Strongest effects of one feature, strongest first. */
    public record FeatureEffects(List<TokenEffect> promoted, List<TokenEffect> suppressed) {}

    /**
     * @param source     which tensors were used, e.g. "output.weight (Q8_0) · output_norm.weight"
     * @param tied       true when W_U is the token embedding
     * @param perFeature index = latent
     */
    public record Result(String source, boolean tied, List<FeatureEffects> perFeature) {}

    /** The unembedding a model uses: output.weight, else the tied token embedding. */
    public static GgufTensorInfo unembedding(GgufReader r) throws GgufFormatException {
        return r.findTensor("output.weight").isPresent() ? r.tensor("output.weight") : r.tensor("token_embd.weight");
    }

    /**
     * @param wDec decoder rows [numLatents, d] (d must be the model's n_embd)
     * @param top  tokens kept per side
     * @param text token id -> shown text (called only for the kept tokens)
     * @throws GgufFormatException when a tensor is missing, has the wrong width or a dtype that cannot be dequantized
     */
    public static Result compute(GgufReader r, float[] wDec, int numLatents, int top, IntFunction<String> text) throws IOException {
        if (numLatents < 1 || wDec.length % numLatents != 0) {
            throw new IllegalArgumentException("W_dec: expected [F, d] with F = " + numLatents + " but found " + wDec.length + " values");
        }
        int d = wDec.length / numLatents;
        GgufTensorInfo normInfo = r.tensor("output_norm.weight");
        GgufTensorInfo wu = unembedding(r);
        boolean tied = wu.name().equals("token_embd.weight");
        if (normInfo.nElements() != d || wu.ne(0) != d) {
            throw new GgufFormatException(r.file() + ": tensors '" + normInfo.name() + "' and '" + wu.name() + "': expected width " + d
                    + " (the SAE's d) but found " + normInfo.nElements() + " and " + wu.ne(0));
        }
        if (!wu.type().isDequantizable()) {
            throw new GgufFormatException(r.file() + ": tensor '" + wu.name() + "'.type: expected F32, F16, BF16 or Q8_0 to compute logit "
                    + "effects but found " + wu.type());
        }
        float[] g = r.readFloats(normInfo);
        // fold the norm's weight into every decoder row once: v_f = g ⊙ W_dec[f]
        float[] v = new float[wDec.length];
        for (int f = 0; f < numLatents; f++) {
            for (int i = 0; i < d; i++) v[f * d + i] = g[i] * wDec[f * d + i];
        }
        long nVocab = wu.nRows();
        TopScores[] hi = new TopScores[numLatents];
        TopScores[] lo = new TopScores[numLatents];
        for (int f = 0; f < numLatents; f++) {
            hi[f] = new TopScores(top);
            lo[f] = new TopScores(top);
        }
        for (long start = 0; start < nVocab; start += CHUNK_ROWS) {
            int n = (int) Math.min(CHUNK_ROWS, nVocab - start);
            float[] rows = r.readRows(wu, start, n);
            int first = (int) start;
            IntStream.range(0, numLatents).parallel().forEach(f -> {
                int off = f * d;
                for (int t = 0; t < n; t++) {
                    double e = dot(v, off, rows, t * d, d);
                    hi[f].offer(e, first + t);
                    lo[f].offer(-e, first + t);
                }
            });
        }
        List<FeatureEffects> out = new ArrayList<>(numLatents);
        for (int f = 0; f < numLatents; f++) {
            out.add(new FeatureEffects(hi[f].effects(text, 1), lo[f].effects(text, -1)));
        }
        String src = wu.name() + " (" + wu.type() + (tied ? ", tied to the token embedding" : "") + ") · " + normInfo.name();
        return new Result(src, tied, out);
    }

    /** Σ a[ao + i] · b[bo + i] in double, four partial sums (the JIT keeps them in registers). */
    static double dot(float[] a, int ao, float[] b, int bo, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += (double) a[ao + i] * b[bo + i];
            s1 += (double) a[ao + i + 1] * b[bo + i + 1];
            s2 += (double) a[ao + i + 2] * b[bo + i + 2];
            s3 += (double) a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += (double) a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }

    /** The {@code capacity} largest (value, token) pairs; ties: the lower token id ranks first. */
    static final class TopScores {
        private final int capacity;
        private final double[] value;
        private final int[] token;
        private int size;

        TopScores(int capacity) {
            this.capacity = capacity;
            this.value = new double[capacity];
            this.token = new int[capacity];
        }

        /** Keeps (v, t) if it beats the weakest kept entry; a min-heap on (value, -token). */
        void offer(double v, int t) {
            if (capacity == 0) return;
            if (size < capacity) {
                value[size] = v;
                token[size] = t;
                up(size++);
            } else if (better(v, t, value[0], token[0])) {
                value[0] = v;
                token[0] = t;
                down(0);
            }
        }

        private static boolean better(double v1, int t1, double v2, int t2) {
            return v1 != v2 ? v1 > v2 : t1 < t2;
        }

        private void up(int i) {
            while (i > 0) {
                int p = (i - 1) / 2;
                if (!better(value[p], token[p], value[i], token[i])) return;
                swap(i, p);
                i = p;
            }
        }

        private void down(int i) {
            while (true) {
                int l = 2 * i + 1, r = l + 1, w = i;
                if (l < size && better(value[w], token[w], value[l], token[l])) w = l;
                if (r < size && better(value[w], token[w], value[r], token[r])) w = r;
                if (w == i) return;
                swap(i, w);
                i = w;
            }
        }

        private void swap(int i, int j) {
            double tv = value[i]; value[i] = value[j]; value[j] = tv;
            int tt = token[i]; token[i] = token[j]; token[j] = tt;
        }

        /** Best first; {@code sign} restores the value's sign (−1 for the suppressed side, kept as negated logits). */
        List<TokenEffect> effects(IntFunction<String> text, int sign) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> better(value[a], token[a], value[b], token[b]) ? -1
                    : better(value[b], token[b], value[a], token[a]) ? 1 : 0);
            List<TokenEffect> out = new ArrayList<>(size);
            for (int i : order) out.add(new TokenEffect(token[i], text.apply(token[i]), sign * value[i]));
            return out;
        }
    }
}
