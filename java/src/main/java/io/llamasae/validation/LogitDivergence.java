package io.llamasae.validation;

/** Divergences between two next-token distributions given as logits ({@code [nVocab]}), in double. */
public final class LogitDivergence {
    private LogitDivergence() {}

    /**
     * KL(P ‖ Q) in nats with P = softmax(p), Q = softmax(q): Σ P_i (log P_i − log Q_i). Identical
     * logit arrays give exactly 0; the result is clamped at 0 against rounding.
     */
    public static double kl(float[] p, float[] q) {
        if (p.length != q.length || p.length == 0) {
            throw new IllegalArgumentException("KL: expected two non-empty logit vectors of equal length but found " + p.length + " and "
                    + q.length);
        }
        double[] lp = logSoftmax(p);
        double[] lq = logSoftmax(q);
        double kl = 0;
        for (int i = 0; i < lp.length; i++) {
            double d = lp[i] - lq[i];
            if (d != 0) kl += Math.exp(lp[i]) * d;
        }
        return Math.max(0, kl);
    }

    /** log softmax of {@code x: [n]} (max-shifted). */
    static double[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        double lse = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] - lse;
        return out;
    }

    /** Index of the largest logit (lowest index on ties). */
    public static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
