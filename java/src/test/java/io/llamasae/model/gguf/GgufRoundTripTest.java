package io.llamasae.model.gguf;

import io.llamasae.io.HalfFloats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    static GgufWriter everyKvType() {
        GgufWriter w = new GgufWriter();
        w.put("u8", GgufValue.uint8(250));
        w.put("i8", GgufValue.int8(-100));
        w.put("u16", GgufValue.uint16(65000));
        w.put("i16", GgufValue.int16(-30000));
        w.put("u32", GgufValue.uint32(4_000_000_000L));
        w.put("i32", GgufValue.int32(-2_000_000_000));
        w.put("u64", GgufValue.uint64(-1L)); // 2^64 - 1
        w.put("i64", GgufValue.int64(Long.MIN_VALUE));
        w.put("f32", GgufValue.float32(3.25f));
        w.put("f64", GgufValue.float64(-1e300));
        w.put("bool", GgufValue.bool(true));
        w.put("str", GgufValue.string("héllo ▁wörld ✓"));
        w.put("empty.str", GgufValue.string(""));
        w.put("arr.str", GgufValue.stringArray(List.of("a", "", "▁the")));
        w.put("arr.f32", GgufValue.float32Array(new float[] {1.5f, -2f}));
        w.put("arr.i32", GgufValue.int32Array(new int[] {7, -8}));
        w.put("arr.u8", GgufValue.array(new GgufArray(GgufValueType.UINT8, List.of((byte) 1, (byte) 255))));
        w.put("arr.bool", GgufValue.array(new GgufArray(GgufValueType.BOOL, List.of(true, false))));
        w.put("arr.empty", GgufValue.array(new GgufArray(GgufValueType.INT64, List.of())));
        w.put("arr.nested", GgufValue.array(new GgufArray(GgufValueType.ARRAY, List.of(
                new GgufArray(GgufValueType.INT16, List.of((short) 1, (short) -2)),
                new GgufArray(GgufValueType.STRING, List.of("x"))))));
        return w;
    }

    @Test
    void everyKvTypeRoundTrips() throws Exception {
        GgufWriter w = everyKvType();
        Path f = dir.resolve("kv.gguf");
        w.write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertEquals(3, r.version());
            assertEquals(32, r.alignment());
            assertEquals(0, r.tensors().size());
            Map<String, GgufValue> m = r.metadata();
            assertEquals(List.copyOf(everyKvType().metadata().keySet()), List.copyOf(m.keySet()), "keys in file order");
            assertEquals(250, m.get("u8").asLong());
            assertEquals(-100, m.get("i8").asLong());
            assertEquals(65000, m.get("u16").asLong());
            assertEquals(-30000, m.get("i16").asLong());
            assertEquals(4_000_000_000L, m.get("u32").asLong());
            assertEquals(-2_000_000_000L, m.get("i32").asLong());
            assertEquals(GgufValueType.UINT64, m.get("u64").type());
            assertEquals(-1L, m.get("u64").value());
            assertThrows(ArithmeticException.class, () -> m.get("u64").asLong());
            assertEquals(Long.MIN_VALUE, m.get("i64").asLong());
            assertEquals(3.25, m.get("f32").asDouble());
            assertEquals(-1e300, m.get("f64").asDouble());
            assertTrue(m.get("bool").asBoolean());
            assertEquals("héllo ▁wörld ✓", r.requireString("str"));
            assertEquals("", r.requireString("empty.str"));
            assertArrayEquals(new String[] {"a", "", "▁the"}, m.get("arr.str").asArray().asStrings());
            assertArrayEquals(new float[] {1.5f, -2f}, m.get("arr.f32").asArray().asFloats());
            assertArrayEquals(new long[] {7, -8}, m.get("arr.i32").asArray().asLongs());
            assertArrayEquals(new long[] {1, 255}, m.get("arr.u8").asArray().asLongs());
            assertEquals(List.of(true, false), m.get("arr.bool").asArray().values());
            assertEquals(0, m.get("arr.empty").asArray().size());
            GgufArray nested = m.get("arr.nested").asArray();
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            assertArrayEquals(new long[] {1, -2}, ((GgufArray) nested.values().get(0)).asLongs());
            assertArrayEquals(new String[] {"x"}, ((GgufArray) nested.values().get(1)).asStrings());
            // every value equals what was written
            everyKvType().metadata().forEach((k, v) -> assertEquals(v, m.get(k), k));
        }
    }

    @Test
    void tensorsRoundTripWithAlignment() throws Exception {
        float[] a = {1f, -2.5f, 3.1415927f, 1e-8f, -65504f, 0f};
        float[] b = new float[5 * 3];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) Math.sin(i) * 10;
        }
        GgufWriter w = new GgufWriter().putUInt32("general.alignment", 64)
                .addTensor("a", GgmlType.F32, new long[] {6}, a)
                .addTensor("b", GgmlType.F16, new long[] {5, 3}, b)
                .addTensor("c", GgmlType.F32, new long[] {1, 1, 2, 1}, new float[] {7f, 8f});
        Path f = dir.resolve("t.gguf");
        w.write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertEquals(64, r.alignment());
            assertEquals(0, r.dataStart() % 64);
            for (GgufTensorInfo t : r.tensors()) {
                assertEquals(0, t.offset() % 64, t.name());
            }
            assertArrayEquals(a, r.readFloats(r.tensor("a")));
            GgufTensorInfo tb = r.tensor("b");
            assertEquals(GgmlType.F16, tb.type());
            assertArrayEquals(new long[] {5, 3}, tb.ne());
            assertEquals(3, tb.nRows());
            float[] rb = r.readFloats(tb);
            for (int i = 0; i < b.length; i++) {
                assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(b[i])), rb[i], 0f, "b[" + i + "]");
                assertEquals(b[i], rb[i], Math.abs(b[i]) * 1e-3);
            }
            // a row range maps only those rows
            float[] row2 = r.readRows(tb, 2, 1);
            assertArrayEquals(java.util.Arrays.copyOfRange(rb, 10, 15), row2);
            assertArrayEquals(new long[] {1, 1, 2, 1}, r.tensor("c").ne());
            assertArrayEquals(new float[] {7f, 8f}, r.readFloats(r.tensor("c")));
            assertFalse(r.findTensor("nope").isPresent());
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> r.tensor("nope"));
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
        }
    }

    @Test
    void q8AndBf16AreDequantized() throws Exception {
        // Q8_0: one block of 32 with d = 0.5: x = 0.5 * q
        ByteBuffer q8 = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN);
        q8.putShort(HalfFloats.floatToF16(0.5f));
        float[] expectedQ8 = new float[32];
        for (int j = 0; j < 32; j++) {
            byte q = (byte) (j * 8 - 128);
            q8.put(q);
            expectedQ8[j] = 0.5f * q;
        }
        ByteBuffer bf = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        float[] expectedBf = {1f, -0.15625f, 3.0e38f};
        for (float v : expectedBf) {
            bf.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        expectedBf[2] = Float.intBitsToFloat(Float.floatToIntBits(3.0e38f) & 0xFFFF0000); // truncated mantissa
        Path f = dir.resolve("q.gguf");
        new GgufWriter()
                .addRawTensor("q8", GgmlType.Q8_0, new long[] {32}, q8.array())
                .addRawTensor("bf", GgmlType.BF16, new long[] {3}, bf.array())
                .addRawTensor("q4", GgmlType.Q4_0, new long[] {32}, new byte[18])
                .write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertArrayEquals(expectedQ8, r.readFloats(r.tensor("q8")));
            assertArrayEquals(expectedBf, r.readFloats(r.tensor("bf")));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> r.readFloats(r.tensor("q4")));
            assertTrue(e.getMessage().contains("unsupported dtype Q4_0") && e.getMessage().contains("q4"), e.getMessage());
        }
    }

    @Test
    void writeIsAtomicAndDeterministic() throws Exception {
        Path f = dir.resolve("sub/a.gguf");
        everyKvType().write(f);
        byte[] first = Files.readAllBytes(f);
        everyKvType().write(f); // replaces the existing file
        assertArrayEquals(first, Files.readAllBytes(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList(), "no temporary files left behind");
        }
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x", GgmlType.F32, new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x", GgmlType.Q4_0, new long[] {32}, new float[32]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x", GgmlType.Q8_0, new long[] {16, 2}, new float[32]));
        assertThrows(IllegalArgumentException.class, () -> w.addRawTensor("x", GgmlType.Q8_0, new long[] {32}, new byte[33]));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("general.alignment", 48));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> new GgufValue(GgufValueType.FLOAT32, 1.0));
        w.addTensor("x", GgmlType.F32, new long[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x", GgmlType.F32, new long[] {1}, new float[1]));
    }
}
