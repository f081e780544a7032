package io.llamasae.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The engine's one definition of exact sums (also native/src/kernels/exact_sum.h, whose results the
 * engine tests compare with this class bit for bit): each value rounded once to a multiple of 2^-40,
 * ties toward +infinity, summed in 128 bits.
 */
class ExactSumTest {
    @Test
    void handCheckableRoundingAndCancellation() {
        long[] acc = new long[2];
        ExactSum.addValue(acc, 0, 0x1p-41);   // exactly half a unit: rounds up
        assertEquals(BigInteger.ONE, ExactSum.toBigInteger(acc, 0));
        ExactSum.addValue(acc, 0, -0x1p-41);  // -half rounds toward +infinity: to 0
        assertEquals(BigInteger.ONE, ExactSum.toBigInteger(acc, 0));
        // 2^30 + 2^-40 - 2^30 keeps the 2^-40 that a double sum would lose (2^30 is on the 128-bit path)
        long[] big = new long[2];
        ExactSum.addValue(big, 0, 0x1p30);
        ExactSum.addValue(big, 0, 0x1p-40);
        ExactSum.addValue(big, 0, -0x1p30);
        assertEquals(BigInteger.ONE, ExactSum.toBigInteger(big, 0));
        assertEquals(0x1p-40, ExactSum.toDouble(big, 0));
    }

    @Test
    void anyOrderGivesTheSameBitsAndTheRoundedSum() {
        Random rng = new Random(11);
        double[] v = new double[4000];
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.scalb(rng.nextDouble() - 0.5, rng.nextInt(90) - 40);  // 2^-41 .. 2^49: both paths, both signs
            // round(v * 2^40) with ties toward +infinity: floor(v * 2^40 + 1/2)
            BigDecimal scaled = new BigDecimal(v[i]).multiply(BigDecimal.valueOf(2).pow(40));
            exact = exact.add(scaled.add(new BigDecimal("0.5")).setScale(0, RoundingMode.FLOOR));
        }
        long[] fwd = new long[2];
        long[] bwd = new long[2];
        long[] parts = new long[6];
        for (int i = 0; i < v.length; i++) {
            ExactSum.addValue(fwd, 0, v[i]);
            ExactSum.addValue(bwd, 0, v[v.length - 1 - i]);
            ExactSum.addValue(parts, i % 3, v[i]);
        }
        ExactSum.addPair(parts, 0, parts[2], parts[3]);
        ExactSum.addPair(parts, 0, parts[4], parts[5]);
        assertArrayEquals(fwd, bwd);
        assertEquals(fwd[0], parts[0]);
        assertEquals(fwd[1], parts[1]);
        assertEquals(exact.toBigIntegerExact(), ExactSum.toBigInteger(fwd, 0));
    }
}
