package io.llamasae.sae.safetensors;

import io.llamasae.io.HalfFloats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsEveryDtypeWithMetadata() throws Exception {
        Path f = dir.resolve("t.safetensors");
        float[] a = {1.5f, -2f, 3.25f, 0f, 7f, -0.125f};
        Map<String, Tensor> m = new TreeMap<>();
        m.put("zeta", Tensor.ofFloats(a, 2, 3));
        m.put("alpha", Tensor.ofInts(new int[] {1, -2, 3}, 3));
        m.put("mid", Tensor.ofLongs(new long[] {Long.MAX_VALUE, -5}, 2));
        m.put("half", Tensor.ofHalfs(DType.F16, new float[] {1f, 0.5f, -65504f, 6.1035156e-5f}, 4));
        m.put("brain", Tensor.ofHalfs(DType.BF16, new float[] {1f, -3f, 0.15625f}, 3));
        m.put("scalar", Tensor.ofLongs(new long[] {100}));
        SafetensorsWriter.write(f, m, Map.of("b", "2", "a", "x y"));

        byte[] bytes = Files.readAllBytes(f);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.endsWith("}") || header.endsWith(" "));
        // Tensors in name order in the header and the data area.
        assertTrue(header.indexOf("\"alpha\"") < header.indexOf("\"brain\"")
                && header.indexOf("\"brain\"") < header.indexOf("\"zeta\""), header);

        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(List.of("alpha", "brain", "half", "mid", "scalar", "zeta"), List.copyOf(r.tensors().keySet()));
            assertEquals(Map.of("a", "x y", "b", "2"), r.metadata());
            assertArrayEquals(a, r.readFloats("zeta"));
            assertArrayEquals(new long[] {2, 3}, r.info("zeta").shape());
            assertArrayEquals(new int[] {1, -2, 3}, r.readInts("alpha"));
            assertArrayEquals(new long[] {Long.MAX_VALUE, -5}, r.readLongs("mid"));
            assertArrayEquals(new float[] {1f, 0.5f, -65504f, 6.1035156e-5f}, r.readFloats("half"));
            assertArrayEquals(new float[] {1f, -3f, 0.15625f}, r.readFloats("brain"));
            assertEquals(0, r.info("scalar").rank());
            assertEquals(100, r.readInts("scalar")[0]);
            // Zero-copy view and windows.
            assertEquals(-2f, r.buffer("zeta").getFloat(4));
            assertEquals(7f, r.window("zeta", 4, 2).getFloat(0));
            float[] part = new float[3];
            r.readFloats("zeta", 3, part, 0, 3);
            assertArrayEquals(new float[] {0f, 7f, -0.125f}, part);
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> r.readInts("zeta"));
            assertTrue(e.getMessage().contains("zeta") && e.getMessage().contains("I32 or I64"), e.getMessage());
            SafetensorsFormatException missing = assertThrows(SafetensorsFormatException.class, () -> r.info("nope"));
            assertTrue(missing.getMessage().contains("nope"));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temp files left");
        }
    }

    @Test
    void streamingWriterConcatenatesAppendsAndCommitsAtomically() throws Exception {
        Path f = dir.resolve("acts.safetensors");
        try (StreamingSafetensorsWriter w = new StreamingSafetensorsWriter(f)) {
            w.declare("layer3.pos-1", DType.F32, 2);
            w.declare("ids", DType.I32);
            w.appendRows("layer3.pos-1", new float[] {1, 2, 3, 4}, 0, 4);
            w.appendRows("ids", new int[] {7}, 0, 1);
            w.appendRows("layer3.pos-1", new float[] {5, 6}, 0, 2);
            w.appendRows("ids", new int[] {8, 9}, 0, 2);
            assertThrows(IllegalArgumentException.class,
                    () -> w.appendRows("layer3.pos-1", new float[] {1}, 0, 1), "partial row");
            w.putMetadata("layer_convention", "llama.cpp");
            assertFalse(Files.exists(f), "nothing visible before commit");
            w.commit();
        }
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertArrayEquals(new long[] {3, 2}, r.info("layer3.pos-1").shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, r.readFloats("layer3.pos-1"));
            assertArrayEquals(new int[] {7, 8, 9}, r.readInts("ids"));
            assertEquals("llama.cpp", r.metadata().get("layer_convention"));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "temp spills removed after commit");
        }
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws Exception {
        Path f = dir.resolve("never.safetensors");
        try (StreamingSafetensorsWriter w = new StreamingSafetensorsWriter(f)) {
            w.declare("x", DType.F32, 4);
            w.appendRows("x", new float[8], 0, 8);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "no output and no temp files");
        }
    }

    @Test
    void f16AndBf16ConversionsRoundTripEveryBitPattern() {
        for (int bits = 0; bits < 65536; bits++) {
            short h = (short) bits;
            float f = HalfFloats.f16ToFloat(h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f))));
            } else {
                assertEquals(h, HalfFloats.floatToF16(f), "f16 bits " + bits);
            }
            float b = HalfFloats.bf16ToFloat(h);
            if (!Float.isNaN(b)) {
                assertEquals(h, HalfFloats.floatToBf16(b), "bf16 bits " + bits);
            }
        }
        // Rounding: halfway between 1 and the next half (1 + 2^-11) rounds to even (1).
        assertEquals(1f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(1f + 0x1p-10f + 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat(HalfFloats.floatToF16(70000f)));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(0x1p-24f)));
    }
}
