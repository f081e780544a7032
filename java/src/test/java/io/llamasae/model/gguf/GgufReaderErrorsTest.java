package io.llamasae.model.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Bad input must give a GgufFormatException naming the file and the field, never anything else. */
class GgufReaderErrorsTest {
    @TempDir
    Path dir;

    /** Hand-assembled little-endian GGUF bytes, to produce files the writer never would. */
    static final class Raw {
        final ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Raw header(int version, long nTensors, long nKv) {
            b.putInt(GgufReader.MAGIC).putInt(version).putLong(nTensors).putLong(nKv);
            return this;
        }

        Raw str(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            b.putLong(x.length).put(x);
            return this;
        }

        Raw u32(int v) {
            b.putInt(v);
            return this;
        }

        Raw u64(long v) {
            b.putLong(v);
            return this;
        }

        Raw pad(int alignment) {
            while (b.position() % alignment != 0) {
                b.put((byte) 0);
            }
            return this;
        }

        Raw bytes(int n) {
            b.put(new byte[n]);
            return this;
        }

        byte[] get() {
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    private Path file(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private GgufFormatException expectError(Path f, String... fragments) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> {
            try (GgufReader r = GgufReader.open(f)) {
                for (GgufTensorInfo t : r.tensors()) {
                    r.readFloats(t);
                }
            }
        });
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
        for (String frag : fragments) {
            assertTrue(e.getMessage().contains(frag), "expected '" + frag + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void missingFileAndDirectory() {
        expectError(dir.resolve("absent.gguf"), "no such file");
        expectError(dir, "directory");
    }

    @Test
    void notGguf() throws Exception {
        expectError(file("empty.gguf", new byte[0]), "magic", "0 bytes");
        expectError(file("text.gguf", "hello world, not a model".getBytes(StandardCharsets.UTF_8)), "magic", "\"GGUF\"", "0x6c6c6568");
        expectError(file("v1.gguf", new Raw().header(1, 0, 0).get()), "version", "2 or 3", "found 1");
    }

    @Test
    void truncatedHeader() throws Exception {
        byte[] ok = new Raw().header(3, 0, 1).str("general.name").u32(GgufValueType.STRING.id).str("tiny").get();
        try (GgufReader r = GgufReader.open(file("ok.gguf", ok))) {
            assertEquals("tiny", r.requireString("general.name"));
        }
        expectError(file("cut.gguf", Arrays.copyOf(ok, ok.length - 2)), "general.name", "truncated");
    }

    @Test
    void stringAndArrayLengthsPastEof() throws Exception {
        byte[] longString = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.STRING.id).u64(1_000_000).bytes(10).get();
        expectError(file("s.gguf", longString), "metadata 'k'", "1000000 bytes", "truncated");
        byte[] hugeString = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.STRING.id).u64(-5L).get();
        expectError(file("s2.gguf", hugeString), "metadata 'k'", "string length");
        byte[] hugeArray = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id).u32(GgufValueType.UINT32.id)
                .u64(1L << 40).bytes(16).get();
        expectError(file("a.gguf", hugeArray), "metadata 'k'", "array length", String.valueOf(1L << 40));
        byte[] badType = new Raw().header(3, 0, 1).str("k").u32(99).bytes(8).get();
        expectError(file("t.gguf", badType), "metadata 'k'", "value type", "99");
        byte[] hugeCount = new Raw().header(3, 0, Long.MAX_VALUE).bytes(64).get();
        expectError(file("c.gguf", hugeCount), "metadata_kv_count");
    }

    @Test
    void badTensorInfos() throws Exception {
        // tensor data past EOF: a 1000-float tensor in a file with 16 data bytes
        byte[] pastEof = new Raw().header(3, 1, 0).str("w").u32(1).u64(1000).u32(GgmlType.F32.id).u64(0).pad(32).bytes(16).get();
        expectError(file("eof.gguf", pastEof), "tensor 'w' data", "truncated");
        // shape whose byte size overflows 64 bits
        byte[] overflow = new Raw().header(3, 1, 0).str("w").u32(4).u64(1L << 40).u64(1L << 40).u64(4).u64(4)
                .u32(GgmlType.F32.id).u64(0).pad(32).get();
        expectError(file("ovf.gguf", overflow), "tensor 'w'.ne", "63 bits");
        byte[] unknownType = new Raw().header(3, 1, 0).str("w").u32(1).u64(4).u32(31).u64(0).pad(32).bytes(16).get();
        expectError(file("ty.gguf", unknownType), "tensor 'w'.type", "31");
        byte[] unaligned = new Raw().header(3, 1, 0).str("w").u32(1).u64(4).u32(GgmlType.F32.id).u64(4).pad(32).bytes(32).get();
        expectError(file("al.gguf", unaligned), "tensor 'w'.offset", "alignment 32");
        byte[] dims = new Raw().header(3, 1, 0).str("w").u32(5).bytes(64).get();
        expectError(file("dims.gguf", dims), "tensor 'w'.n_dims", "1..4", "5");
        byte[] block = new Raw().header(3, 1, 0).str("w").u32(1).u64(33).u32(GgmlType.Q8_0.id).u64(0).pad(32).bytes(64).get();
        expectError(file("blk.gguf", block), "tensor 'w'.ne[0]", "block size 32");
        byte[] dup = new Raw().header(3, 0, 2).str("k").u32(GgufValueType.UINT8.id).bytes(1).str("k").u32(GgufValueType.UINT8.id).bytes(1).get();
        expectError(file("dup.gguf", dup), "metadata 'k'", "duplicate");
        byte[] align = new Raw().header(3, 0, 1).str("general.alignment").u32(GgufValueType.UINT32.id).u32(24).get();
        expectError(file("align.gguf", align), "general.alignment", "power of two", "24");
    }

    @Test
    void missingMetadataIsNamed() throws Exception {
        Path f = dir.resolve("m.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(f);
        try (GgufReader r = GgufReader.open(f)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> r.requireLong("llama.block_count"));
            assertTrue(e.getMessage().contains("llama.block_count") && e.getMessage().contains(f.toString()), e.getMessage());
            e = assertThrows(GgufFormatException.class, () -> r.requireLong("general.architecture"));
            assertTrue(e.getMessage().contains("expected an integer but found STRING"), e.getMessage());
        }
    }

    /** Every prefix of a valid file and random byte mutations only ever raise GgufFormatException. */
    @Test
    void fuzzTruncationsAndMutations() throws Exception {
        GgufWriter w = GgufRoundTripTest.everyKvType()
                .addTensor("a", GgmlType.F32, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .addTensor("b", GgmlType.F16, new long[] {3}, new float[] {1, 2, 3});
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        w.writeTo(bos);
        byte[] valid = bos.toByteArray();
        Path f = dir.resolve("fuzz.gguf");
        Files.write(f, valid);
        long dataEnd;
        try (GgufReader r = GgufReader.open(f)) {
            GgufTensorInfo last = r.tensor("b");
            dataEnd = last.fileOffset() + last.byteSize();
        }
        // truncations: any cut before the last tensor's data ends must fail cleanly (trailing padding may go)
        for (int len = 0; len < valid.length; len++) {
            Files.write(f, Arrays.copyOf(valid, len));
            boolean failed = openAndReadAll(f);
            assertEquals(len < dataEnd, failed, "truncation to " + len + " of " + valid.length + " bytes (data ends at " + dataEnd + ")");
        }
        Random rng = new Random(1234);
        int rejected = 0;
        for (int iter = 0; iter < 1500; iter++) {
            byte[] m = valid.clone();
            int nMut = 1 + rng.nextInt(4);
            for (int k = 0; k < nMut; k++) {
                int pos = rng.nextInt(Math.min(m.length, 400 + rng.nextInt(m.length)));
                m[pos] = switch (rng.nextInt(3)) {
                    case 0 -> (byte) rng.nextInt(256);
                    case 1 -> (byte) 0xFF;
                    default -> (byte) (m[pos] ^ (1 << rng.nextInt(8)));
                };
            }
            Files.write(f, m);
            rejected += openAndReadAll(f) ? 1 : 0;
        }
        assertTrue(rejected > 50, "mutations should often be rejected, were " + rejected);
    }

    /** True if the file was rejected with GgufFormatException; fails the test on any other throwable. */
    private static boolean openAndReadAll(Path f) {
        try (GgufReader r = GgufReader.open(f)) {
            for (GgufTensorInfo t : r.tensors()) {
                if (t.type().isDequantizable()) {
                    r.readFloats(t);
                }
            }
            r.metadata().values().forEach(Object::toString);
            return false;
        } catch (GgufFormatException e) {
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
            return true;
        } catch (Throwable t) {
            fail("expected only GgufFormatException but got " + t, t);
            return false;
        }
    }
}
