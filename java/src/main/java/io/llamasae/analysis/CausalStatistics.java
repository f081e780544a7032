package io.llamasae.analysis;

import org.apache.commons.math3.util.CombinatoricsUtils;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Statistics for intervention experiments: McNemar exact test and seeded bootstrap intervals. */
public final class CausalStatistics {
    private CausalStatistics() {
    }

    /**
     * Exact McNemar test: two-sided binomial test of the discordant pairs. {@code b} = correct before
     * and wrong after, {@code c} = wrong before and correct after; p = min(1, 2 · P(X <= min(b, c)))
     * with X ~ Binomial(b + c, 1/2). No discordant pairs → 1. The tail is summed term by term from
     * log-binomials, so tiny p-values stay exact (150 discordant pairs all one way: 2^-149, not 0).
     */
    public static double mcNemarExact(int b, int c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("McNemar: expected non-negative discordant counts but found b=" + b + " c=" + c);
        }
        int n = b + c;
        if (n == 0) {
            return 1.0;
        }
        double tail = 0;
        double log2n = n * Math.log(2);
        for (int i = 0; i <= Math.min(b, c); i++) {
            tail += Math.exp(CombinatoricsUtils.binomialCoefficientLog(n, i) - log2n);
        }
        return Math.min(1.0, 2 * tail);
    }

    /** McNemar from paired outcomes ({@code before[i]}, {@code after[i]}: correct or not). */
    public static double mcNemarExact(boolean[] before, boolean[] after) {
        requireSameLength(before.length, after.length);
        int b = 0;
        int c = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] && !after[i]) {
                b++;
            } else if (!before[i] && after[i]) {
                c++;
            }
        }
        return mcNemarExact(b, c);
    }

    /** Percentile bootstrap interval for the mean of {@code x: [n]} ({@code resamples} draws, seeded). */
    public static Interval bootstrapMean(double[] x, int resamples, long seed, double level) {
        if (x.length == 0) {
            throw new IllegalArgumentException("bootstrap: expected at least one value but found none");
        }
        return bootstrapPairedDifference(x, new double[x.length], resamples, seed, level);
    }

    /**
     * Percentile bootstrap interval for mean(x − y) over pairs ({@code x, y: [n]}), resampling pairs.
     * Quantiles use linear interpolation between order statistics (R type 7).
     */
    public static Interval bootstrapPairedDifference(double[] x, double[] y, int resamples, long seed, double level) {
        requireSameLength(x.length, y.length);
        if (x.length == 0) {
            throw new IllegalArgumentException("bootstrap: expected at least one pair but found none");
        }
        if (resamples < 2 || !(level > 0 && level < 1)) {
            throw new IllegalArgumentException("bootstrap: expected resamples >= 2 and level in (0,1) but found " + resamples + ", " + level);
        }
        int n = x.length;
        double[] d = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            d[i] = x[i] - y[i];
            mean += d[i];
        }
        mean /= n;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += d[rnd.nextInt(n)];
            }
            stats[b] = s / n;
        }
        Arrays.sort(stats);
        double alpha = (1 - level) / 2;
        return new Interval(mean, quantile(stats, alpha), quantile(stats, 1 - alpha), level);
    }

    /**
     * Percentile bootstrap interval for mean(x) − mean(y) of two independent groups ({@code x: [n]}, {@code y: [m]}),
     * each resampled within itself.
     */
    public static Interval bootstrapDifference(double[] x, double[] y, int resamples, long seed, double level) {
        if (x.length == 0 || y.length == 0) {
            throw new IllegalArgumentException("bootstrap: expected two non-empty groups but found sizes " + x.length + " and " + y.length);
        }
        if (resamples < 2 || !(level > 0 && level < 1)) {
            throw new IllegalArgumentException("bootstrap: expected resamples >= 2 and level in (0,1) but found " + resamples + ", " + level);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            stats[b] = resampledMean(x, rnd) - resampledMean(y, rnd);
        }
        Arrays.sort(stats);
        double alpha = (1 - level) / 2;
        return new Interval(mean(x) - mean(y), quantile(stats, alpha), quantile(stats, 1 - alpha), level);
    }

    private static double resampledMean(double[] x, SplittableRandom rnd) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[rnd.nextInt(x.length)];
        }
        return s / x.length;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Type-7 quantile of sorted data. */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static void requireSameLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("paired data: expected equal lengths but found " + a + " and " + b);
        }
    }
}
