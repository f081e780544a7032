package io.llamasae.sae;

import java.math.BigInteger;

/**
 * Order-independent sums of doubles: each value is rounded once to a multiple of 2^-64 and added
 * into a 192-bit two's-complement integer, so any split of the values into batches, shards or
 * Spark partitions, merged in any order, gives bit-identical totals (floating-point addition is not
 * associative; integer addition is). Values must satisfy |v| < 2^62; a float is exact when
 * |v| >= 2^-41, its square when |v| >= 2^-9 (smaller ones are rounded by less than 2^-65).
 *
 * <p>Accumulators live in a {@code long[3·n]} array: {@code [3i]} high word (signed), {@code [3i+1]}
 * middle word, {@code [3i+2]} low word (the 64 fractional bits). The activation sums of
 * {@code analysis.FeatureStatistics} use a narrower 128-bit format (2^-40, |v| < 2^22) that fits
 * activations; metrics need the wider range of squared norms.
 */
public final class FixedPointSums {
    /** Largest magnitude one value may have. */
    public static final double MAX_ABS = 0x1p62;
    private static final double TWO_POW_MINUS_64 = 0x1p-64;

    private FixedPointSums() {
    }

    /** A zeroed array of {@code n} accumulators. */
    public static long[] create(int n) {
        return new long[Math.multiplyExact(3, n)];
    }

    /** acc[i] += v, rounded to the nearest multiple of 2^-64 (ties away from zero). */
    public static void add(long[] acc, int i, double v) {
        if (v == 0) {
            return;
        }
        if (!(Math.abs(v) < MAX_ABS)) {
            throw new IllegalArgumentException("exact sum: expected a finite value below 2^62 in magnitude but found " + v);
        }
        long bits = Double.doubleToRawLongBits(v);
        int exp = (int) (bits >>> 52) & 0x7ff;
        long m = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) {
            exp = 1;            // subnormal
        } else {
            m |= 1L << 52;
        }
        int s = exp - 1075 + 64; // |v|·2^64 = m·2^s, and m·2^s < 2^126
        long lo;
        long mid;
        if (s >= 64) {
            lo = 0;
            mid = m << (s - 64);
        } else if (s > 0) {
            lo = m << s;
            mid = m >>> (64 - s);
        } else if (s == 0) {
            lo = m;
            mid = 0;
        } else if (s > -54) {
            int r = -s;
            lo = (m >>> r) + ((m >>> (r - 1)) & 1);
            mid = 0;
        } else {
            return;             // below 2^-65: rounds to zero
        }
        if (v > 0) {
            addWords(acc, i, 0, mid, lo);
        } else {
            // two's complement of the 192-bit magnitude (0, mid, lo)
            long nlo = ~lo + 1;
            long nmid = ~mid + (nlo == 0 ? 1 : 0);
            long nhi = ~0L + ((nlo == 0 && nmid == 0) ? 1 : 0);
            addWords(acc, i, nhi, nmid, nlo);
        }
    }

    /** acc[i] += other[j]. */
    public static void addFrom(long[] acc, int i, long[] other, int j) {
        addWords(acc, i, other[3 * j], other[3 * j + 1], other[3 * j + 2]);
    }

    private static void addWords(long[] acc, int i, long hi, long mid, long lo) {
        int b = 3 * i;
        long l = acc[b + 2] + lo;
        long c1 = Long.compareUnsigned(l, lo) < 0 ? 1 : 0;
        long m1 = acc[b + 1] + mid;
        long c2 = Long.compareUnsigned(m1, mid) < 0 ? 1 : 0;
        long m2 = m1 + c1;
        long c3 = (c1 == 1 && m2 == 0) ? 1 : 0;
        acc[b + 2] = l;
        acc[b + 1] = m2;
        acc[b] = acc[b] + hi + c2 + c3;
    }

    /** acc[i] as an integer scaled by 2^64 (exact). */
    public static BigInteger scaled(long[] acc, int i) {
        int b = 3 * i;
        return BigInteger.valueOf(acc[b]).shiftLeft(128)
                .add(new BigInteger(Long.toUnsignedString(acc[b + 1])).shiftLeft(64))
                .add(new BigInteger(Long.toUnsignedString(acc[b + 2])));
    }

    /** acc[i] rounded once to the nearest double. */
    public static double toDouble(long[] acc, int i) {
        return scaled(acc, i).doubleValue() * TWO_POW_MINUS_64;
    }
}
