package io.llamasae.model.gguf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfTest {

    @Test
    void everyNonNanHalfRoundTripsExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Half.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))), "NaN stays NaN for 0x" + Integer.toHexString(h));
                continue;
            }
            assertEquals(h, Half.fromFloat(f) & 0xFFFF, "half 0x" + Integer.toHexString(h) + " = " + f);
        }
    }

    @Test
    void knownValues() {
        assertEquals(1.0f, Half.toFloat((short) 0x3C00));
        assertEquals(-2.0f, Half.toFloat((short) 0xC000));
        assertEquals(65504f, Half.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, Half.toFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat((short) 0x7C00));
    }

    @Test
    void roundsToNearestEven() {
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0)
        assertEquals(0x3C00, Half.fromFloat(1f + 0x1p-11f) & 0xFFFF);
        // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even)
        assertEquals(0x3C02, Half.fromFloat(1f + 3 * 0x1p-11f) & 0xFFFF);
        // just above halfway rounds up
        assertEquals(0x3C01, Half.fromFloat(1f + 0x1p-11f + 0x1p-20f) & 0xFFFF);
        // 65520 is halfway between 65504 and 65536 (=inf): ties to even overflow to infinity
        assertEquals(0x7C00, Half.fromFloat(65520f) & 0xFFFF);
        assertEquals(0x7BFF, Half.fromFloat(65519f) & 0xFFFF);
        // subnormals: 1.5 * 2^-24 ties to 2 * 2^-24 (even), 0.5 * 2^-24 ties to 0
        assertEquals(0x0002, Half.fromFloat(1.5f * 0x1p-24f) & 0xFFFF);
        assertEquals(0x0000, Half.fromFloat(0.5f * 0x1p-24f) & 0xFFFF);
        assertEquals(0x8000, Half.fromFloat(-1e-30f) & 0xFFFF);
    }

    @Test
    void bf16IsTheUpperHalfOfAFloat() {
        assertEquals(1.0f, Half.bf16ToFloat((short) 0x3F80));
        assertEquals(-3.5f, Half.bf16ToFloat((short) (Float.floatToIntBits(-3.5f) >>> 16)));
    }
}
