package io.llamasae.model.gguf;

import io.llamasae.io.HalfFloats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlQuantizerTest {
    @TempDir
    Path dir;

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0)
        assertEquals(0x3F80, GgmlQuantizer.toBf16(1f + 0x1p-8f) & 0xFFFF);
        // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even)
        assertEquals(0x3F82, GgmlQuantizer.toBf16(1f + 3 * 0x1p-8f) & 0xFFFF);
        assertEquals(0x3F81, GgmlQuantizer.toBf16(1f + 0x1p-8f + 0x1p-20f) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(GgmlQuantizer.toBf16(Float.NaN))));
    }

    @Test
    void q8RoundTripErrorIsAtMostHalfAStep() throws Exception {
        Random rng = new Random(5);
        float[] x = new float[32 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * (1 + i / 32));
        }
        x[40] = 0; // a block may contain zeros
        for (int j = 64; j < 96; j++) {
            x[j] = 0; // and an all-zero block has d = 0
        }
        Path f = dir.resolve("q.gguf");
        new GgufWriter().addTensor("q", GgmlType.Q8_0, new long[] {32, 8}, x)
                .addTensor("b", GgmlType.BF16, new long[] {32, 8}, x).write(f);
        try (GgufReader r = GgufReader.open(f)) {
            float[] q = r.readFloats(r.tensor("q"));
            float[] b = r.readFloats(r.tensor("b"));
            for (int blk = 0; blk < 8; blk++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[blk * 32 + j]));
                }
                float step = amax / 127;
                for (int j = 0; j < 32; j++) {
                    int i = blk * 32 + j;
                    // half a step plus the F16 rounding of d (relative 2^-11, times |q| <= 127)
                    assertEquals(x[i], q[i], step * 0.5 + amax * 0x1p-11 + 1e-12, "q8 element " + i);
                    assertEquals(x[i], b[i], Math.abs(x[i]) * 0x1p-8, "bf16 element " + i);
                }
            }
            float[] zeros = new float[32];
            System.arraycopy(q, 64, zeros, 0, 32);
            assertArrayEquals(new float[32], zeros);
        }
    }
}
