package io.llamasae.analysis;

import java.math.BigInteger;

/**
 * Order-independent sums of activations: each value is rounded once to a multiple of 2^-40 (ties
 * toward +infinity, as {@link Math#round(double)}) and added into a 128-bit two's-complement
 * integer, so batched, sharded and one-by-one accumulation give bit-identical totals (floating-point
 * addition is not associative; integer addition is). Resolution 9.1e-13 per value. Accumulators
 * live in a {@code long[2·F]} array: {@code [2i]} high word, {@code [2i+1]} low word (unsigned) of
 * entry i.
 *
 * <p>The native engine accumulates with the same definition ({@code native/src/kernels/exact_sum.h},
 * also used by the CUDA statistics kernel), so its statistics merge into these bit for bit.
 */
public final class ExactSum {
    static final double SCALE = 0x1p40;
    /** |value| must stay below 2^64, so 2^23 values of the largest size cannot overflow 128 bits. */
    public static final double MAX_ABS = 0x1p64;

    private ExactSum() {
    }

    /** acc[i] += round(v · 2^40); v finite with |v| below {@link #MAX_ABS} (not checked here). */
    public static void addValue(long[] acc, int i, double v) {
        double w = v * SCALE; // exact: a power-of-two scaling
        if (Math.abs(w) < 0x1p62) {
            add(acc, i, Math.round(w));
            return;
        }
        // |w| >= 2^62 is an integer: split it into two 64-bit words exactly
        double h = Math.floor(w * 0x1p-64);
        double l = w - h * 0x1p64; // in [0, 2^64), exact
        long lo = l >= 0x1p63 ? (long) (l - 0x1p64) : (long) l; // the unsigned word's bits
        addPair(acc, i, (long) h, lo);
    }

    /** acc[i] += v (v sign-extended to 128 bits). */
    static void add(long[] acc, int i, long v) {
        addPair(acc, i, v >> 63, v);
    }

    /** acc[i] += (hi, lo). */
    public static void addPair(long[] acc, int i, long hi, long lo) {
        long a = acc[2 * i + 1];
        long sum = a + lo;
        long carry = Long.compareUnsigned(sum, a) < 0 ? 1 : 0;
        acc[2 * i] = acc[2 * i] + hi + carry;
        acc[2 * i + 1] = sum;
    }

    /** The sum of entry i, correctly rounded to a double. */
    public static double toDouble(long[] acc, int i) {
        long hi = acc[2 * i];
        long lo = acc[2 * i + 1];
        if (hi == (lo >> 63)) {
            return (double) lo / SCALE; // fits a long: the same correctly rounded value, without BigInteger
        }
        return toBigInteger(acc, i).doubleValue() / SCALE;
    }

    /** The raw 128-bit integer of entry i (value · 2^40). */
    public static BigInteger toBigInteger(long[] acc, int i) {
        return BigInteger.valueOf(acc[2 * i]).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(acc[2 * i + 1])));
    }
}
