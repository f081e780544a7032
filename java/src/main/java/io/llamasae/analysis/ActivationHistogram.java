package io.llamasae.analysis;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable histogram of one feature's non-zero activations, with bounded memory whatever the
 * number of rows: the magnitude |a| is binned by its float bits, 16 equal-width bins per octave
 * (the exponent and the top 4 mantissa bits), over [2^-20, 2^20); smaller and larger magnitudes
 * land in the first and last bin. Positive and negative activations are counted apart.
 *
 * <p>Bin edges are exact floats ({@link #lowerEdge}), so a bin's relative width is at most 1/16
 * (6.25 %) and a quantile read from the bins (linear inside the bin) is off by at most that much.
 * Counts are integers, so merging shards in any order gives identical histograms.
 */
public final class ActivationHistogram implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Sub-bins per octave (2^MANTISSA_BITS). */
    public static final int BINS_PER_OCTAVE = 16;
    private static final int MANTISSA_BITS = 4;
    private static final int SHIFT = 23 - MANTISSA_BITS;
    /** Smallest binned exponent: 2^-20. */
    private static final int MIN_EXP = -20;
    /** One past the largest binned exponent: 2^20. */
    private static final int MAX_EXP = 20;
    public static final int BINS = (MAX_EXP - MIN_EXP) * BINS_PER_OCTAVE;
    private static final int FIRST_KEY = (127 + MIN_EXP) << MANTISSA_BITS;

    private int[] positive;   // lazily allocated: most features of a wide dictionary never go negative
    private int[] negative;
    private long count;

    /** Bin of |a| (clamped to [0, BINS)). */
    public static int bin(float a) {
        int key = (Float.floatToRawIntBits(Math.abs(a)) >>> SHIFT) - FIRST_KEY;
        return Math.max(0, Math.min(BINS - 1, key));
    }

    /** Exact lower edge of bin {@code b} (the upper edge is {@code lowerEdge(b + 1)}). */
    public static float lowerEdge(int b) {
        return Float.intBitsToFloat((b + FIRST_KEY) << SHIFT);
    }

    /** Counts one non-zero activation (zeros are not counted: the histogram is of active rows). */
    public void add(float a) {
        if (a == 0f) {
            return;
        }
        int b = bin(a);
        if (a > 0) {
            if (positive == null) positive = new int[BINS];
            positive[b]++;
        } else {
            if (negative == null) negative = new int[BINS];
            negative[b]++;
        }
        count++;
    }

    /**
     * Adds {@code n} activations to one bin, given by its key: {@code bin} for positive activations,
     * {@code BINS + bin} for negative ones (the native engine's export of its histograms, which bins
     * the same way).
     */
    public void addToBin(int key, long n) {
        if (key < 0 || key >= 2 * BINS || n < 0) {
            throw new IllegalArgumentException("histogram: expected a bin key in [0, " + 2 * BINS + ") and a count >= 0 but found " + key
                    + ", " + n);
        }
        if (key < BINS) {
            if (positive == null) positive = new int[BINS];
            positive[key] = Math.addExact(positive[key], Math.toIntExact(n));
        } else {
            if (negative == null) negative = new int[BINS];
            negative[key - BINS] = Math.addExact(negative[key - BINS], Math.toIntExact(n));
        }
        count += n;
    }

    /** Adds {@code other}'s counts into this. */
    public void merge(ActivationHistogram other) {
        if (other.positive != null) {
            if (positive == null) positive = new int[BINS];
            for (int i = 0; i < BINS; i++) positive[i] += other.positive[i];
        }
        if (other.negative != null) {
            if (negative == null) negative = new int[BINS];
            for (int i = 0; i < BINS; i++) negative[i] += other.negative[i];
        }
        count += other.count;
    }

    /** Receives the occupied bins of a histogram: key as in {@link #addToBin}, count > 0. */
    @FunctionalInterface
    public interface BinVisitor {
        void bin(int key, int count);
    }

    /** Visits every occupied bin in key order (positive bins, then negative ones). */
    public void forEachOccupied(BinVisitor v) {
        if (positive != null) {
            for (int b = 0; b < BINS; b++) if (positive[b] != 0) v.bin(b, positive[b]);
        }
        if (negative != null) {
            for (int b = 0; b < BINS; b++) if (negative[b] != 0) v.bin(BINS + b, negative[b]);
        }
    }

    /** Occupied bins (positive and negative counted apart). */
    public int occupiedBins() {
        int[] n = {0};
        forEachOccupied((key, count) -> n[0]++);
        return n[0];
    }

    /**
     * Serialized compactly: the occupied bins only (a feature's activations usually fill a few dozen of the 2 × 640
     * bins), as (key, count) pairs; reading them back adds each to its bin, which is the exact merge.
     */
    private Object writeReplace() {
        return new CompactForm(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("ActivationHistogram is read through its compact form");
    }

    private static final class CompactForm implements Serializable {
        private static final long serialVersionUID = 1L;
        private final short[] keys;
        private final int[] counts;

        CompactForm(ActivationHistogram h) {
            int n = h.occupiedBins();
            keys = new short[n];
            counts = new int[n];
            int[] at = {0};
            h.forEachOccupied((key, count) -> {
                keys[at[0]] = (short) key;
                counts[at[0]++] = count;
            });
        }

        private Object readResolve() throws java.io.ObjectStreamException {
            if (keys.length != counts.length) throw new java.io.InvalidObjectException("ActivationHistogram: inconsistent compact form");
            ActivationHistogram h = new ActivationHistogram();
            try {
                for (int i = 0; i < keys.length; i++) h.addToBin(keys[i], counts[i]);
            } catch (IllegalArgumentException e) {
                throw new java.io.InvalidObjectException("ActivationHistogram: " + e.getMessage());
            }
            return h;
        }
    }

    /** Active rows counted. */
    public long count() {
        return count;
    }

    /** Positive activations in bin {@code b}. */
    public int positive(int b) {
        return positive == null ? 0 : positive[b];
    }

    /** Negative activations whose magnitude falls in bin {@code b}. */
    public int negative(int b) {
        return negative == null ? 0 : negative[b];
    }

    /** [first, last] occupied bins, or an empty array when nothing was counted. */
    public int[] occupiedRange() {
        int first = -1;
        int last = -1;
        for (int b = 0; b < BINS; b++) {
            if (positive(b) + negative(b) > 0) {
                if (first < 0) first = b;
                last = b;
            }
        }
        return first < 0 ? new int[0] : new int[] {first, last};
    }

    /**
     * The {@code q}-quantile (0..1) of |a| over the counted activations, interpolated linearly inside
     * its bin (NaN when nothing was counted). q = 0 and q = 1 give the occupied range's edges.
     */
    public double magnitudeQuantile(double q) {
        if (count == 0) return Double.NaN;
        if (q < 0 || q > 1) throw new IllegalArgumentException("quantile: expected q in [0, 1] but found " + q);
        double target = q * count;
        long seen = 0;
        for (int b = 0; b < BINS; b++) {
            int c = positive(b) + negative(b);
            if (c == 0) continue;
            if (seen + c >= target) {
                double lo = lowerEdge(b);
                double hi = lowerEdge(b + 1);
                double within = (target - seen) / c;
                return lo + (hi - lo) * Math.max(0, Math.min(1, within));
            }
            seen += c;
        }
        int[] r = occupiedRange();
        return lowerEdge(r[1] + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivationHistogram h && count == h.count && Arrays.equals(orZero(positive), orZero(h.positive))
                && Arrays.equals(orZero(negative), orZero(h.negative));
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Arrays.hashCode(orZero(positive));
    }

    private static int[] orZero(int[] a) {
        return a == null ? new int[BINS] : a;
    }
}
