package io.llamasae.sae;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The oracle: a plain double-precision implementation of the shared numeric contracts, written to
 * be obviously correct rather than fast. Native kernels are tested against it.
 *
 * <p>Per row: {@code pre[f] = b_enc[f] + sum_i W_enc[f,i] * x[i]} in double; candidates and keys per
 * {@link Activation}; a full sort by (key descending, index ascending); the first k candidates are
 * emitted, then padding (-1, 0).
 */
public final class ReferenceEncoder implements Encoder {

    /** One candidate latent with its sort key and output value. */
    private record Candidate(int index, double key, double value) {
    }

    private static final Comparator<Candidate> ORDER = Comparator
            .comparingDouble(Candidate::key).reversed()
            .thenComparingInt(Candidate::index);

    @Override
    public SparseCodes encode(Sae sae, float[] x, int n, int k) {
        sae.checkK(k);
        checkInput(sae, x, n);
        int d = sae.d();
        int[] idx = new int[Math.multiplyExact(n, k)];
        float[] val = new float[idx.length];
        for (int r = 0; r < n; r++) {
            double[] pre = preActivations(sae, x, r * d);
            List<Candidate> cands = candidates(sae, pre);
            cands.sort(ORDER);
            for (int j = 0; j < k; j++) {
                if (j < cands.size()) {
                    idx[r * k + j] = cands.get(j).index();
                    val[r * k + j] = (float) cands.get(j).value();
                } else {
                    idx[r * k + j] = -1;
                    val[r * k + j] = 0f;
                }
            }
        }
        return new SparseCodes(n, k, idx, val);
    }

    /**
     * Codes of rows given in double precision ({@code rows: [n][d]}, e.g. the activations of a
     * double-precision reference forward pass): the oracle for codes computed inside the engine.
     */
    public SparseCodes encode(Sae sae, double[][] rows, int k) {
        sae.checkK(k);
        int n = rows.length;
        int[] idx = new int[Math.multiplyExact(n, k)];
        float[] val = new float[idx.length];
        for (int r = 0; r < n; r++) {
            List<Candidate> cands = candidates(sae, preActivations(sae, rows[r]));
            cands.sort(ORDER);
            for (int j = 0; j < k; j++) {
                idx[r * k + j] = j < cands.size() ? cands.get(j).index() : -1;
                val[r * k + j] = j < cands.size() ? (float) cands.get(j).value() : 0f;
            }
        }
        return new SparseCodes(n, k, idx, val);
    }

    /** The selection keys of a double row's candidates, largest first (their gaps tell near-ties at the cut). */
    public static double[] sortedKeys(Sae sae, double[] x) {
        List<Candidate> cands = candidates(sae, preActivations(sae, x));
        cands.sort(ORDER);
        return cands.stream().mapToDouble(Candidate::key).toArray();
    }

    /** {@code pre: [F]} of a row given in double. */
    public static double[] preActivations(Sae sae, double[] x) {
        int d = sae.d();
        float[] w = sae.wEnc();
        float[] b = sae.bEnc();
        double[] pre = new double[sae.numLatents()];
        for (int f = 0; f < pre.length; f++) {
            double acc = b[f];
            for (int i = 0; i < d; i++) {
                acc += (double) w[f * d + i] * x[i];
            }
            pre[f] = acc;
        }
        return pre;
    }

    /** {@code pre: [F]} for the row starting at {@code x[offset]}, in double. */
    public static double[] preActivations(Sae sae, float[] x, int offset) {
        int d = sae.d();
        int nl = sae.numLatents();
        float[] w = sae.wEnc();
        float[] b = sae.bEnc();
        double[] pre = new double[nl];
        for (int f = 0; f < nl; f++) {
            double acc = b[f];
            for (int i = 0; i < d; i++) {
                acc += (double) w[f * d + i] * x[offset + i];
            }
            pre[f] = acc;
        }
        return pre;
    }

    private static List<Candidate> candidates(Sae sae, double[] pre) {
        List<Candidate> out = new ArrayList<>(pre.length);
        float[] thr = sae.threshold();
        for (int f = 0; f < pre.length; f++) {
            double p = pre[f];
            switch (sae.activation()) {
                case TOPK_RELU -> out.add(new Candidate(f, p, Math.max(p, 0.0)));
                case TOPK_ABS -> out.add(new Candidate(f, Math.abs(p), p));
                case RELU -> {
                    if (p > 0) {
                        out.add(new Candidate(f, p, p));
                    }
                }
                case JUMPRELU -> {
                    if (p > thr[f]) {
                        out.add(new Candidate(f, p, p));
                    }
                }
                default -> throw new AssertionError(sae.activation());
            }
        }
        return out;
    }

    /**
     * Reconstruction {@code x_hat: [n, d]}: {@code b_dec + sum over slots of value * W_dec[index]}
     * (padding skipped), accumulated in double.
     */
    public static float[] decode(Sae sae, SparseCodes codes) {
        int d = sae.d();
        int n = codes.n();
        float[] out = new float[Math.multiplyExact(n, d)];
        double[] acc = new double[d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                acc[i] = sae.bDec()[i];
            }
            for (int j = 0; j < codes.k(); j++) {
                int f = codes.index(r, j);
                if (f < 0) {
                    continue;
                }
                double v = codes.value(r, j);
                for (int i = 0; i < d; i++) {
                    acc[i] += v * sae.wDec()[f * d + i];
                }
            }
            for (int i = 0; i < d; i++) {
                out[r * d + i] = (float) acc[i];
            }
        }
        return out;
    }

    static void checkInput(Sae sae, float[] x, int n) {
        long expected = (long) n * sae.d();
        if (n < 0 || x.length < expected) {
            throw new InvalidSaeException("input x: expected [n, d] = [" + n + ", " + sae.d() + "] (" + expected
                    + " floats) but found " + x.length + " floats");
        }
    }
}
