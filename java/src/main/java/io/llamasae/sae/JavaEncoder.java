package io.llamasae.sae;

/**
 * Float32 encoder for training and CPU fallback: pre-activations accumulated in float (four
 * partial sums per dot product), selection by {@link TopKSelector}. Agrees with
 * {@link ReferenceEncoder} on indices except where two keys differ by less than float rounding.
 */
public final class JavaEncoder implements Encoder {

    @Override
    public SparseCodes encode(Sae sae, float[] x, int n, int k) {
        sae.checkK(k);
        ReferenceEncoder.checkInput(sae, x, n);
        int d = sae.d();
        int nl = sae.numLatents();
        int[] idx = new int[Math.multiplyExact(n, k)];
        float[] val = new float[idx.length];
        TopKSelector sel = new TopKSelector(k, nl);
        float[] pre = new float[nl];
        boolean[] eligible = sae.activation().isTopK() ? null : new boolean[nl];
        int[] chosen = new int[k];
        for (int r = 0; r < n; r++) {
            preActivations(sae, x, r * d, pre);
            fillKeys(sae, pre, sel.keys(), eligible);
            int m = sel.select(k, eligible, chosen);
            int base = r * k;
            for (int j = 0; j < k; j++) {
                if (j < m) {
                    int f = chosen[j];
                    idx[base + j] = f;
                    val[base + j] = sae.activation() == Activation.TOPK_RELU ? Math.max(pre[f], 0f) : pre[f];
                } else {
                    idx[base + j] = -1;
                    val[base + j] = 0f;
                }
            }
        }
        return new SparseCodes(n, k, idx, val);
    }

    /** {@code pre: [F]} = b_enc + W_enc x for the row at {@code x[off]}, float accumulation. */
    public static void preActivations(Sae sae, float[] x, int off, float[] pre) {
        preActivations(sae.wEnc(), sae.bEnc(), sae.d(), sae.numLatents(), x, off, pre);
    }

    /** Same on raw arrays: {@code w: [F, d]}, {@code b: [F]}. */
    public static void preActivations(float[] w, float[] b, int d, int nl, float[] x, int off, float[] pre) {
        for (int f = 0; f < nl; f++) {
            pre[f] = b[f] + dot(w, f * d, x, off, d);
        }
    }

    /** Dot product of {@code a[ao..ao+d)} and {@code b[bo..bo+d)} with four partial sums. */
    public static float dot(float[] a, int ao, float[] b, int bo, int d) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < d; i++) { // scalar tail
            s0 += a[ao + i] * b[bo + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Keys and eligibility per the activation (eligible is null for Top-K modes). */
    static void fillKeys(Sae sae, float[] pre, float[] keys, boolean[] eligible) {
        int nl = pre.length;
        switch (sae.activation()) {
            case TOPK_RELU -> System.arraycopy(pre, 0, keys, 0, nl);
            case TOPK_ABS -> {
                for (int f = 0; f < nl; f++) {
                    keys[f] = Math.abs(pre[f]);
                }
            }
            case RELU -> {
                for (int f = 0; f < nl; f++) {
                    keys[f] = pre[f];
                    eligible[f] = pre[f] > 0f;
                }
            }
            case JUMPRELU -> {
                float[] t = sae.threshold();
                for (int f = 0; f < nl; f++) {
                    keys[f] = pre[f];
                    eligible[f] = pre[f] > t[f];
                }
            }
            default -> throw new AssertionError(sae.activation());
        }
    }

    /** Float reconstruction {@code x_hat: [n, d]} = b_dec + sum of value * W_dec[index]. */
    public static float[] decode(Sae sae, SparseCodes codes) {
        int d = sae.d();
        float[] out = new float[Math.multiplyExact(codes.n(), d)];
        float[] w = sae.wDec();
        for (int r = 0; r < codes.n(); r++) {
            int o = r * d;
            System.arraycopy(sae.bDec(), 0, out, o, d);
            for (int j = 0; j < codes.k(); j++) {
                int f = codes.index(r, j);
                float v = codes.value(r, j);
                if (f < 0 || v == 0f) {
                    continue;
                }
                int wo = f * d;
                for (int i = 0; i < d; i++) {
                    out[o + i] += v * w[wo + i];
                }
            }
        }
        return out;
    }
}
