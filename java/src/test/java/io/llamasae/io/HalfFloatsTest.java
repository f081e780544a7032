package io.llamasae.io;


import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfFloatsTest {

    @Test
    void everyNonNanHalfRoundTripsExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.f16ToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f))), "NaN stays NaN for 0x" + Integer.toHexString(h));
                continue;
            }
            assertEquals(h, HalfFloats.floatToF16(f) & 0xFFFF, "half 0x" + Integer.toHexString(h) + " = " + f);
        }
    }

    @Test
    void knownValues() {
        assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.f16ToFloat((short) 0xC000));
        assertEquals(65504f, HalfFloats.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, HalfFloats.f16ToFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat((short) 0x7C00));
    }

    @Test
    void roundsToNearestEven() {
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0)
        assertEquals(0x3C00, HalfFloats.floatToF16(1f + 0x1p-11f) & 0xFFFF);
        // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even)
        assertEquals(0x3C02, HalfFloats.floatToF16(1f + 3 * 0x1p-11f) & 0xFFFF);
        // just above halfway rounds up
        assertEquals(0x3C01, HalfFloats.floatToF16(1f + 0x1p-11f + 0x1p-20f) & 0xFFFF);
        // 65520 is halfway between 65504 and 65536 (=inf): ties to even overflow to infinity
        assertEquals(0x7C00, HalfFloats.floatToF16(65520f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloats.floatToF16(65519f) & 0xFFFF);
        // subnormals: 1.5 * 2^-24 ties to 2 * 2^-24 (even), 0.5 * 2^-24 ties to 0
        assertEquals(0x0002, HalfFloats.floatToF16(1.5f * 0x1p-24f) & 0xFFFF);
        assertEquals(0x0000, HalfFloats.floatToF16(0.5f * 0x1p-24f) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.floatToF16(-1e-30f) & 0xFFFF);
    }

    @Test
    void bf16IsTheUpperHalfOfAFloat() {
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
        assertEquals(-3.5f, HalfFloats.bf16ToFloat((short) (Float.floatToIntBits(-3.5f) >>> 16)));
    }
}
