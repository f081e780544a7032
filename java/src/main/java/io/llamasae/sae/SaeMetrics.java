package io.llamasae.sae;

/**
 * Mergeable accumulator of SAE quality metrics over rows {@code x: [N, d]}, reconstructions
 * {@code x_hat: [N, d]} and codes {@code [N, k]}.
 *
 * <p>Definitions (pooled over the whole data set, not averaged per batch):
 * <ul>
 *   <li>MSE = sum ||x - x_hat||^2 / (N d)</li>
 *   <li>explained variance EV = 1 - sum_n ||x_n - x_hat_n||^2 / sum_n ||x_n - x_bar||^2, where
 *       x_bar is the per-dimension mean over all N rows. The denominator is accumulated per
 *       dimension with Welford's update and merged with Chan et al.'s pairwise formula, so it
 *       neither cancels catastrophically (as sum x^2 - N x_bar^2 would) nor depends on how the
 *       data was split.</li>
 *   <li>mean cosine = mean_n cos(x_n, x_hat_n); a row where both vectors are zero counts 1, a
 *       row where exactly one is zero counts 0</li>
 *   <li>L0 = mean number of active slots per row (active: index >= 0 and value != 0)</li>
 *   <li>dead fraction = latents never active / F</li>
 * </ul>
 * Other libraries differ: SAELens' evals report variance explained per batch (each batch against
 * its own batch mean) and then average the batch values; EleutherAI sparsify logs
 * FVU = 1 - EV computed per training batch against that batch's mean. Both are noisier and
 * biased for small batches; the pooled value here is what one gets with a single batch holding
 * the whole data set. Not thread-safe: use one accumulator per thread and {@link #merge}.
 */
public final class SaeMetrics {
    private final int d;
    private final int numLatents;
    private long rows;
    private double sumSqErr;
    private final double[] mean;   // per-dimension running mean of x
    private final double[] m2;     // per-dimension sum of squared deviations from the mean
    private double cosineSum;
    private long activeSlots;
    private final long[] activeCount; // per latent: rows where it was active

    /** An empty accumulator for inputs of width {@code d} and {@code numLatents} latents. */
    public SaeMetrics(int d, int numLatents) {
        this.d = d;
        this.numLatents = numLatents;
        this.mean = new double[d];
        this.m2 = new double[d];
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
        double invN = 1.0 / rows;
        for (int i = 0; i < d; i++) {
            double xi = x[xo + i];
            double hi = xHat[ho + i];
            double e = xi - hi;
            err += e * e;
            xx += xi * xi;
            hh += hi * hi;
            xh += xi * hi;
            double delta = xi - mean[i]; // Welford
            mean[i] += delta * invN;
            m2[i] += delta * (xi - mean[i]);
        }
        sumSqErr += err;
        if (xx == 0 || hh == 0) {
            cosineSum += (xx == 0 && hh == 0) ? 1.0 : 0.0;
        } else {
            cosineSum += xh / Math.sqrt(xx * hh);
        }
        for (int j = so; j < so + k; j++) {
            int f = idx[j];
            if (f >= 0 && val[j] != 0f) {
                activeSlots++;
                activeCount[f]++;
            }
        }
    }

    /** Folds {@code other} (same d and F) into this accumulator. */
    public void merge(SaeMetrics other) {
        if (other.d != d || other.numLatents != numLatents) {
            throw new IllegalArgumentException("metrics merge: expected d=" + d + ", F=" + numLatents + " but found d="
                    + other.d + ", F=" + other.numLatents);
        }
        if (other.rows == 0) {
            return;
        }
        long n = rows + other.rows;
        double wa = (double) rows / n;
        double wb = (double) other.rows / n;
        for (int i = 0; i < d; i++) {
            double delta = other.mean[i] - mean[i]; // Chan et al. pairwise combination
            m2[i] += other.m2[i] + delta * delta * rows * wb;
            mean[i] = mean[i] * wa + other.mean[i] * wb;
        }
        rows = n;
        sumSqErr += other.sumSqErr;
        cosineSum += other.cosineSum;
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

    /** Sum over rows of ||x - mean(x)||^2 (the EV denominator). */
    public double totalVariance() {
        double s = 0;
        for (double v : m2) {
            s += v;
        }
        return s;
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
        return new MetricsSummary(rows,
                rows == 0 ? Double.NaN : sumSqErr / ((double) rows * d),
                tv == 0 ? Double.NaN : 1.0 - sumSqErr / tv,
                rows == 0 ? Double.NaN : cosineSum / rows,
                rows == 0 ? Double.NaN : (double) activeSlots / rows,
                (double) dead / numLatents, dead);
    }
}
