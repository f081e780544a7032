package io.llamasae.analysis;

import java.math.BigInteger;

/**
 * Order-independent sums of activations: each value is rounded once to a multiple of 2^-40 and added
 * into a 128-bit two's-complement integer, so batched, sharded and one-by-one accumulation give
 * bit-identical totals (floating-point addition is not associative; integer addition is).
 * Resolution 9.1e-13 per value. Accumulators live in a {@code long[2·F]} array: {@code [2i]} high
 * word, {@code [2i+1]} low word of feature i.
 */
final class ExactSum {
    static final double SCALE = 0x1p40;
    /** |value| must stay below 2^22 so that value·2^40 fits a long with headroom. */
    static final double MAX_ABS = 0x1p22;

    private ExactSum() {
    }

    static long toFixed(double v) {
        return Math.round(v * SCALE);
    }

    /** acc[i] += v (v sign-extended to 128 bits). */
    static void add(long[] acc, int i, long v) {
        addPair(acc, i, v >> 63, v);
    }

    /** acc[i] += (hi, lo). */
    static void addPair(long[] acc, int i, long hi, long lo) {
        long a = acc[2 * i + 1];
        long sum = a + lo;
        long carry = Long.compareUnsigned(sum, a) < 0 ? 1 : 0;
        acc[2 * i] = acc[2 * i] + hi + carry;
        acc[2 * i + 1] = sum;
    }

    static double toDouble(long[] acc, int i) {
        BigInteger v = BigInteger.valueOf(acc[2 * i]).shiftLeft(64)
                .add(new BigInteger(Long.toUnsignedString(acc[2 * i + 1])));
        return v.doubleValue() / SCALE;
    }
}
