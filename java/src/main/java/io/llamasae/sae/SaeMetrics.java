package io.llamasae.sae;

import io.llamasae.analysis.ExactSum;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Mergeable accumulator of SAE quality metrics over rows {@code x: [N, d]}, reconstructions
 * {@code x_hat: [N, d]} and codes {@code [N, k]}.
 *
 * <p>Definitions (pooled over the whole data set, not averaged per batch):
 * <ul>
 *   <li>MSE = sum ||x - x_hat||^2 / (N d)</li>
 *   <li>explained variance EV = 1 - sum_n ||x_n - x_hat_n||^2 / sum_n ||x_n - x_bar||^2, where
 *       x_bar is the per-dimension mean over all N rows; the denominator is
 *       sum x^2 - sum_i (sum_n x_ni)^2 / N, evaluated exactly from exact sums, so it neither
 *       cancels catastrophically nor depends on how the data was split.</li>
 *   <li>mean cosine = mean_n cos(x_n, x_hat_n); a row where both vectors are zero counts 1, a
 *       row where exactly one is zero counts 0</li>
 *   <li>L0 = mean number of active slots per row (active: index >= 0 and value != 0)</li>
 *   <li>dead fraction = latents never active / F</li>
 * </ul>
 * Exactness: every per-element quantity ((x - x_hat)^2, x^2, x_hat^2, x·x_hat, x in double from the
 * float inputs; the row's cosine) is rounded once to a multiple of 2^-40 and summed as a 128-bit
 * integer ({@link ExactSum}), so any split of the rows into batches, shards or Spark partitions
 * merges to bit-identical totals, and the native engine's reconstruction sums (computed inside the
 * forward pass with the same definition, {@code native/src/feature_stats.cpp}) merge in exactly
 * ({@link #mergePartial}). Values must be finite and below 2^32 in magnitude.
 *
 * <p>Other libraries differ: SAELens' evals report variance explained per batch (each batch against
 * its own batch mean) and then average the batch values; EleutherAI sparsify logs
 * FVU = 1 - EV computed per training batch against that batch's mean. Both are noisier and
 * biased for small batches; the pooled value here is what one gets with a single batch holding
 * the whole data set. Not thread-safe: use one accumulator per thread and {@link #merge}.
 * Serializable, so partition results (Spark executors) travel to the process that merges them.
 */
public final class SaeMetrics implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final double MAX_VALUE = 0x1p32;
    // exact sums, (hi, lo) pairs: [0] sum (x - x_hat)^2, [1] sum x^2, [2] sum of row cosines
    private static final int SSE = 0;
    private static final int SUM_SQ = 1;
    private static final int COS = 2;

    private final int d;
    private final int numLatents;
    private long rows;
    private final long[] sums = new long[6];
    private final long[] sumX;        // per dimension, (hi, lo) pairs
    private long activeSlots;
    private final long[] activeCount; // per latent: rows where it was active

    /** An empty accumulator for inputs of width {@code d} and {@code numLatents} latents. */
    public SaeMetrics(int d, int numLatents) {
        this.d = d;
        this.numLatents = numLatents;
        this.sumX = new long[2 * d];
        this.activeCount = new long[numLatents];
    }

    /** Adds {@code codes.n()} rows: {@code x, xHat: [n, d]}. */
    public void add(float[] x, float[] xHat, SparseCodes codes) {
        for (int r = 0; r < codes.n(); r++) {
            addRow(x, r * d, xHat, r * d, codes.indices(), codes.values(), r * codes.k(), codes.k());
        }
    }

    /**
     * Adds one row: {@code x[xo..xo+d)}, {@code xHat[ho..ho+d)} and k slots
     * {@code idx/val[so..so+k)}.
     */
    public void addRow(float[] x, int xo, float[] xHat, int ho, int[] idx, float[] val, int so, int k) {
        long[] xx = new long[2];
        long[] hh = new long[2];
        long[] xh = new long[2];
        for (int i = 0; i < d; i++) {
            double xi = x[xo + i];
            double hi = xHat[ho + i];
            if (!(Math.abs(xi) < MAX_VALUE) || !(Math.abs(hi) < MAX_VALUE)) {
                throw new IllegalArgumentException("metrics: dimension " + i + ": expected finite values below 2^32 but found x = " + xi
                        + ", x_hat = " + hi);
            }
            double e = xi - hi;
            ExactSum.addValue(sums, SSE, e * e);
            ExactSum.addValue(sums, SUM_SQ, xi * xi);
            ExactSum.addValue(xx, 0, xi * xi);
            ExactSum.addValue(hh, 0, hi * hi);
            ExactSum.addValue(xh, 0, xi * hi);
            ExactSum.addValue(sumX, i, xi);
        }
        double a = ExactSum.toDouble(xx, 0);
        double b = ExactSum.toDouble(hh, 0);
        double c = ExactSum.toDouble(xh, 0);
        double cosine = a == 0 || b == 0 ? (a == 0 && b == 0 ? 1.0 : 0.0) : c / Math.sqrt(a * b);
        ExactSum.addValue(sums, COS, cosine);
        rows++;
        for (int j = so; j < so + k; j++) {
            int f = idx[j];
            if (f >= 0 && val[j] != 0f) {
                activeSlots++;
                activeCount[f]++;
            }
        }
    }

    /**
     * Adds sums accumulated elsewhere with the same definitions: {@code rows} rows whose
     * {@code sums: [2 (3 + d)]} are the (hi, lo) words of sum (x - x_hat)^2, sum x^2, sum of row
     * cosines, then sum x per dimension (the native engine's reconstruction sums), and per listed
     * latent {@code features[i]} its active count {@code counts[i]} (the native feature statistics).
     */
    public void mergePartial(long rows, LongBuffer sums, IntBuffer features, LongBuffer counts) {
        if (sums.limit() != 2 * (3 + d)) {
            throw new IllegalArgumentException("metrics merge: expected " + 2 * (3 + d) + " sum words but found " + sums.limit());
        }
        for (int s = 0; s < 3; s++) ExactSum.addPair(this.sums, s, sums.get(2 * s), sums.get(2 * s + 1));
        for (int i = 0; i < d; i++) ExactSum.addPair(sumX, i, sums.get(6 + 2 * i), sums.get(7 + 2 * i));
        for (int i = 0; i < features.limit(); i++) {
            int f = features.get(i);
            if (f < 0 || f >= numLatents) throw new IllegalArgumentException("metrics merge: latent " + f + " outside [0, " + numLatents + ")");
            activeCount[f] += counts.get(i);
            activeSlots += counts.get(i);
        }
        this.rows += rows;
    }

    /** Folds {@code other} (same d and F) into this accumulator. */
    public void merge(SaeMetrics other) {
        if (other.d != d || other.numLatents != numLatents) {
            throw new IllegalArgumentException("metrics merge: expected d=" + d + ", F=" + numLatents + " but found d="
                    + other.d + ", F=" + other.numLatents);
        }
        rows += other.rows;
        for (int s = 0; s < 3; s++) ExactSum.addPair(sums, s, other.sums[2 * s], other.sums[2 * s + 1]);
        for (int i = 0; i < d; i++) ExactSum.addPair(sumX, i, other.sumX[2 * i], other.sumX[2 * i + 1]);
        activeSlots += other.activeSlots;
        for (int f = 0; f < numLatents; f++) {
            activeCount[f] += other.activeCount[f];
        }
    }

    /** Rows added so far. */
    public long rows() {
        return rows;
    }

    /** Copy of the per-latent count of rows where the latent was active. */
    public long[] activeCounts() {
        return activeCount.clone();
    }

    /** Sum over rows of ||x - mean(x)||^2 (the EV denominator): sum x^2 - sum_i (sum_n x_ni)^2 / N, exactly. */
    public double totalVariance() {
        if (rows == 0) {
            return 0;
        }
        // In units of 2^-80: N * 2^40 * S2 - sum_i S1_i^2, with S2 = sum x^2 * 2^40, S1_i = sum x_i * 2^40.
        BigInteger n = BigInteger.valueOf(rows);
        BigInteger num = ExactSum.toBigInteger(sums, SUM_SQ).shiftLeft(40).multiply(n);
        for (int i = 0; i < d; i++) {
            BigInteger s1 = ExactSum.toBigInteger(sumX, i);
            num = num.subtract(s1.multiply(s1));
        }
        return new BigDecimal(num).divide(new BigDecimal(n.shiftLeft(80)), MathContext.DECIMAL128).doubleValue();
    }

    /**
     * Whether the rows have no variance to explain: below 2^-30 of their sum of squares, the data's total variance is
     * what rounding every value to the exact sums' resolution leaves of identical rows (a position holding the same
     * token in every prompt), and explained variance would divide by that noise.
     */
    private boolean noVariance(double tv) {
        return !(tv > 0x1p-30 * ExactSum.toDouble(sums, SUM_SQ));
    }

    /** The metrics so far (NaN for ratios over zero rows, and explained variance of rows without variance). */
    public MetricsSummary summary() {
        int dead = 0;
        for (long c : activeCount) {
            if (c == 0) {
                dead++;
            }
        }
        double sse = ExactSum.toDouble(sums, SSE);
        double tv = totalVariance();
        return new MetricsSummary(rows,
                rows == 0 ? Double.NaN : sse / ((double) rows * d),
                noVariance(tv) ? Double.NaN : 1.0 - sse / tv,
                rows == 0 ? Double.NaN : ExactSum.toDouble(sums, COS) / rows,
                rows == 0 ? Double.NaN : (double) activeSlots / rows,
                (double) dead / numLatents, dead);
    }
}
