package io.llamasae.sae;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * Mergeable accumulator of SAE quality metrics over rows {@code x: [N, d]}, reconstructions
 * {@code x_hat: [N, d]} and codes {@code [N, k]}.
 *
 * <p>Definitions (pooled over the whole data set, not averaged per batch):
 * <ul>
 *   <li>MSE = sum ||x - x_hat||^2 / (N d)</li>
 *   <li>explained variance EV = 1 - sum_n ||x_n - x_hat_n||^2 / sum_n ||x_n - x_bar||^2, where
 *       x_bar is the per-dimension mean over all N rows. The denominator is computed at the end
 *       from exact per-dimension sums of x and x^2 as sum_i (S2_i - S1_i^2 / N) in integer
 *       arithmetic, so it neither cancels catastrophically (as the same formula in doubles would)
 *       nor depends on how the data was split.</li>
 *   <li>mean cosine = mean_n cos(x_n, x_hat_n); a row where both vectors are zero counts 1, a
 *       row where exactly one is zero counts 0</li>
 *   <li>L0 = mean number of active slots per row (active: index >= 0 and value != 0)</li>
 *   <li>dead fraction = latents never active / F</li>
 * </ul>
 * Determinism: each row's error, cosine and squares are computed in double within the row; every
 * sum across rows is an exact fixed-point sum ({@link FixedPointSums}), so any split of the rows into
 * batches or shards followed by {@link #merge} in any order gives a bit-identical {@link #summary()}.
 *
 * <p>Other libraries differ: SAELens' evals report variance explained per batch (each batch against
 * its own batch mean) and then average the batch values; EleutherAI sparsify logs
 * FVU = 1 - EV computed per training batch against that batch's mean. Both are noisier and
 * biased for small batches; the pooled value here is what one gets with a single batch holding
 * the whole data set. Not thread-safe: use one accumulator per thread and {@link #merge}.
 */
public final class SaeMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private final int numLatents;
    private long rows;
    private final long[] sumSqErr = FixedPointSums.create(1);
    private final long[] cosineSum = FixedPointSums.create(1);
    private final long[] sumX;      // per dimension: sum of x_i
    private final long[] sumXX;     // per dimension: sum of x_i^2
    private long activeSlots;
    private final long[] activeCount; // per latent: rows where it was active

    /** An empty accumulator for inputs of width {@code d} and {@code numLatents} latents. */
    public SaeMetrics(int d, int numLatents) {
        this.d = d;
        this.numLatents = numLatents;
        this.sumX = FixedPointSums.create(d);
        this.sumXX = FixedPointSums.create(d);
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
        rows++;
        double err = 0, xx = 0, hh = 0, xh = 0;
        for (int i = 0; i < d; i++) {
            double xi = x[xo + i];
            double hi = xHat[ho + i];
            double e = xi - hi;
            err += e * e;
            double xi2 = xi * xi; // exact: a float's square fits a double
            xx += xi2;
            hh += hi * hi;
            xh += xi * hi;
            FixedPointSums.add(sumX, i, xi);
            FixedPointSums.add(sumXX, i, xi2);
        }
        FixedPointSums.add(sumSqErr, 0, err);
        if (xx == 0 || hh == 0) {
            FixedPointSums.add(cosineSum, 0, (xx == 0 && hh == 0) ? 1.0 : 0.0);
        } else {
            FixedPointSums.add(cosineSum, 0, xh / Math.sqrt(xx * hh));
        }
        for (int j = so; j < so + k; j++) {
            int f = idx[j];
            if (f >= 0 && val[j] != 0f) {
                activeSlots++;
                activeCount[f]++;
            }
        }
    }

    /** Folds {@code other} (same d and F) into this accumulator; exact, so the order of merges does not matter. */
    public void merge(SaeMetrics other) {
        if (other.d != d || other.numLatents != numLatents) {
            throw new IllegalArgumentException("metrics merge: expected d=" + d + ", F=" + numLatents + " but found d="
                    + other.d + ", F=" + other.numLatents);
        }
        rows += other.rows;
        FixedPointSums.addFrom(sumSqErr, 0, other.sumSqErr, 0);
        FixedPointSums.addFrom(cosineSum, 0, other.cosineSum, 0);
        for (int i = 0; i < d; i++) {
            FixedPointSums.addFrom(sumX, i, other.sumX, i);
            FixedPointSums.addFrom(sumXX, i, other.sumXX, i);
        }
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

    /**
     * Sum over rows of ||x - mean(x)||^2 (the EV denominator): sum_i (S2_i - S1_i^2 / N), evaluated
     * exactly in integers (sums scaled by 2^64) and rounded once.
     */
    public double totalVariance() {
        if (rows == 0) {
            return 0;
        }
        BigInteger n = BigInteger.valueOf(rows);
        BigInteger num = BigInteger.ZERO; // N * TV * 2^128
        for (int i = 0; i < d; i++) {
            BigInteger s1 = FixedPointSums.scaled(sumX, i);
            BigInteger s2 = FixedPointSums.scaled(sumXX, i);
            num = num.add(s2.multiply(n).shiftLeft(64)).subtract(s1.multiply(s1));
        }
        return new BigDecimal(num).divide(new BigDecimal(n.shiftLeft(128)), MathContext.DECIMAL128).doubleValue();
    }

    /** The metrics so far (NaN for ratios over zero rows or zero variance). */
    public MetricsSummary summary() {
        int dead = 0;
        for (long c : activeCount) {
            if (c == 0) {
                dead++;
            }
        }
        double tv = totalVariance();
        double sse = FixedPointSums.toDouble(sumSqErr, 0);
        return new MetricsSummary(rows,
                rows == 0 ? Double.NaN : sse / ((double) rows * d),
                tv == 0 ? Double.NaN : 1.0 - sse / tv,
                rows == 0 ? Double.NaN : FixedPointSums.toDouble(cosineSum, 0) / rows,
                rows == 0 ? Double.NaN : (double) activeSlots / rows,
                (double) dead / numLatents, dead);
    }
}
