package io.llamasae.sae;

/**
 * A sparse autoencoder in the canonical in-memory layout of the shared contracts:
 * <ul>
 *   <li>{@code wEnc: [F, d]} latent-major (row f = encoder direction of latent f)</li>
 *   <li>{@code bEnc: [F]} with any pre-encoder bias folded in ({@code b_enc' = b_enc - W_enc·b_dec})</li>
 *   <li>{@code wDec: [F, d]} latent-major (row f = decoder direction)</li>
 *   <li>{@code bDec: [d]}</li>
 *   <li>{@code threshold: [F]} for JumpReLU, otherwise null</li>
 * </ul>
 * The constructor validates shapes, finiteness and k and takes ownership of the arrays (they are
 * returned without copying for speed: callers must not modify them).
 */
public final class Sae {
    private final int d;
    private final int numLatents;
    private final float[] wEnc;
    private final float[] bEnc;
    private final float[] wDec;
    private final float[] bDec;
    private final float[] threshold;
    private final Activation activation;
    private final int defaultK;

    /**
     * @param d         input width (model n_embd)
     * @param numLatents F, dictionary size
     * @param defaultK  slots per row when the caller gives none; 1..F
     * @throws InvalidSaeException on a shape mismatch, a NaN/Inf (tensor and first bad index named),
     *                             a missing/extra threshold, or k outside 1..F
     */
    public Sae(int d, int numLatents, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, float[] threshold,
               Activation activation, int defaultK) {
        if (d <= 0 || numLatents <= 0) {
            throw new InvalidSaeException("SAE dimensions: expected d > 0 and F > 0 but found d=" + d + ", F="
                    + numLatents);
        }
        long fd = (long) numLatents * d;
        checkLength("W_enc", wEnc, fd, "[F, d] = [" + numLatents + ", " + d + "]");
        checkLength("b_enc", bEnc, numLatents, "[F] = [" + numLatents + "]");
        checkLength("W_dec", wDec, fd, "[F, d] = [" + numLatents + ", " + d + "]");
        checkLength("b_dec", bDec, d, "[d] = [" + d + "]");
        if (activation == Activation.JUMPRELU) {
            if (threshold == null) {
                throw new InvalidSaeException("threshold: expected a [F] tensor for a jumprelu SAE but found none");
            }
            checkLength("threshold", threshold, numLatents, "[F] = [" + numLatents + "]");
        } else if (threshold != null) {
            throw new InvalidSaeException("threshold: expected none for a " + activation.id()
                    + " SAE but found a tensor of length " + threshold.length);
        }
        checkFinite("W_enc", wEnc, d);
        checkFinite("b_enc", bEnc, 0);
        checkFinite("W_dec", wDec, d);
        checkFinite("b_dec", bDec, 0);
        if (threshold != null) {
            checkFinite("threshold", threshold, 0);
        }
        this.d = d;
        this.numLatents = numLatents;
        this.wEnc = wEnc;
        this.bEnc = bEnc;
        this.wDec = wDec;
        this.bDec = bDec;
        this.threshold = threshold;
        this.activation = activation;
        this.defaultK = checkK(defaultK);
    }

    /**
     * Builds an SAE whose source format encodes {@code x - b_dec}: folds that pre-encoder bias into
     * {@code b_enc' = b_enc - W_enc·b_dec} (accumulated in double, rounded once to float).
     */
    public static Sae withPreEncoderBias(int d, int numLatents, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                                         float[] threshold, Activation activation, int defaultK) {
        checkLength("W_enc", wEnc, (long) numLatents * d, "[F, d] = [" + numLatents + ", " + d + "]");
        checkLength("b_enc", bEnc, numLatents, "[F] = [" + numLatents + "]");
        checkLength("b_dec", bDec, d, "[d] = [" + d + "]");
        float[] folded = new float[numLatents];
        for (int f = 0; f < numLatents; f++) {
            double acc = bEnc[f];
            int row = f * d;
            for (int i = 0; i < d; i++) {
                acc -= (double) wEnc[row + i] * bDec[i];
            }
            folded[f] = (float) acc;
        }
        return new Sae(d, numLatents, wEnc, folded, wDec, bDec, threshold, activation, defaultK);
    }

    /** Same weights with another default k (1..F). */
    public Sae withDefaultK(int k) {
        return new Sae(d, numLatents, wEnc, bEnc, wDec, bDec, threshold, activation, k);
    }

    /** Throws unless {@code 1 <= k <= F}; returns k. */
    public int checkK(int k) {
        if (k < 1 || k > numLatents) {
            throw new InvalidSaeException("k: expected 1 <= k <= F = " + numLatents + " but found " + k);
        }
        return k;
    }

    /** Throws unless the SAE's input width equals the model's hidden size {@code nEmbd}. */
    public void checkWidth(int nEmbd) {
        if (nEmbd != d) {
            throw new InvalidSaeException("SAE input width: expected the model's n_embd = " + nEmbd
                    + " but the SAE has d_in = " + d + " (was it trained on another model?)");
        }
    }

    private static void checkLength(String name, float[] a, long expected, String shape) {
        if (a == null) {
            throw new InvalidSaeException(name + ": expected shape " + shape + " but found no tensor");
        }
        if (a.length != expected) {
            throw new InvalidSaeException(name + ": expected shape " + shape + " (" + expected + " values) but found "
                    + a.length + " values");
        }
    }

    private static void checkFinite(String name, float[] a, int rowWidth) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                String where = rowWidth > 0 ? "[" + (i / rowWidth) + ", " + (i % rowWidth) + "]" : "[" + i + "]";
                throw new InvalidSaeException(name + ": expected finite values but found " + a[i] + " at index "
                        + where);
            }
        }
    }

    /** Input width d. */
    public int d() {
        return d;
    }

    /** Dictionary size F. */
    public int numLatents() {
        return numLatents;
    }

    /** {@code [F, d]} encoder rows (do not modify). */
    public float[] wEnc() {
        return wEnc;
    }

    /** {@code [F]} encoder bias with the pre-encoder bias folded in (do not modify). */
    public float[] bEnc() {
        return bEnc;
    }

    /** {@code [F, d]} decoder rows (do not modify). */
    public float[] wDec() {
        return wDec;
    }

    /** {@code [d]} decoder bias (do not modify). */
    public float[] bDec() {
        return bDec;
    }

    /** {@code [F]} JumpReLU thresholds or null (do not modify). */
    public float[] threshold() {
        return threshold;
    }

    public Activation activation() {
        return activation;
    }

    /** Default number of slots per row. */
    public int defaultK() {
        return defaultK;
    }

    @Override
    public String toString() {
        return "Sae[d=" + d + ", F=" + numLatents + ", " + activation.id() + ", k=" + defaultK + "]";
    }
}
