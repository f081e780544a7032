package io.llamasae.sae.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private Path raw(long headerLen, byte[] header, int dataBytes) throws IOException {
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(header);
        Files.write(f, b.array());
        return f;
    }

    private Path raw(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, dataBytes);
    }

    /** Opens {@code f}, expects a SafetensorsFormatException whose message contains every fragment. */
    private static void rejects(Path f, String... fragments) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> {
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                fail("accepted " + r.tensors());
            }
        });
        for (String s : fragments) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks '" + s + "'");
        }
        assertTrue(e.getMessage().contains(f.toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void acceptsAValidHandWrittenFile() throws Exception {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertTrue(r.has("a"));
        }
    }

    @Test
    void rejectsTruncatedFiles() throws Exception {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        rejects(tiny, "header length", "3 bytes");
        // Valid header but the data area ends before the tensor does.
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "'a'", "data_offsets",
                "end <= 8");
    }

    @Test
    void rejectsHeaderLengthPastEndOfFile() throws Exception {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        rejects(raw(1000, h, 0), "header length", "1000");
        rejects(raw(-1, h, 0), "header length");
    }

    @Test
    void rejectsOverlappingAndOutOfFileOffsets() throws Exception {
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "data_offsets",
                "not overlapping");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8), "'a'", "data_offsets");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "begin <= end");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-1,7]}}", 8), "data_offsets[0]");
    }

    @Test
    void rejectsUnknownDtypeAndBadShapes() throws Exception {
        rejects(raw("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "'a'", "dtype",
                "F8_E4M3");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "'a'", "12 bytes",
                "8 bytes");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "shape[0]");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "shape[0]");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8),
                "shape", "63 bits");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8),
                "shape[0]");
    }

    @Test
    void rejectsMalformedHeaders() throws Exception {
        rejects(raw("[1,2]", 0), "JSON object");
        rejects(raw("{\"a\":", 0), "invalid JSON");
        rejects(raw("{\"a\":1}", 0), "'a'", "entry");
        rejects(raw("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__.k", "a string");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "invalid JSON");
        byte[] badUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        rejects(raw(badUtf8.length, badUtf8, 0), "UTF-8");
    }

    /**
     * Random byte strings and random mutations of a valid file (byte flips, truncation, header
     * length changes, JSON token edits): opening and reading every tensor either works or throws
     * SafetensorsFormatException; nothing else escapes.
     */
    @Test
    void fuzzedHeadersOnlyYieldFormatExceptions() throws Exception {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, Map.of(
                "w", Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                "i", Tensor.ofInts(new int[] {1, 2}, 2),
                "h", Tensor.ofHalfs(DType.BF16, new float[] {1, 2, 3}, 3)), Map.of("k", "v"));
        byte[] base = Files.readAllBytes(good);
        String json = new String(base, 8, base.length - 8, StandardCharsets.ISO_8859_1);
        String[] tokens = {"-1", "1e400", "\"F64\"", "[]", "{}", "null", "[0,4,8]", "\"\"", "99999999999999999999999",
                "0", ",", "\"data_offsets\"", "\"shape\"", "\"dtype\"", "[[1]]", "true", "\"\\u0000\""};
        Random rng = new Random(12345);
        Path f = dir.resolve("fuzz.safetensors");
        int accepted = 0;
        for (int iter = 0; iter < 3000; iter++) {
            byte[] data;
            switch (iter % 5) {
                case 0 -> { // pure random
                    data = new byte[rng.nextInt(64)];
                    rng.nextBytes(data);
                }
                case 1 -> { // byte flips
                    data = base.clone();
                    for (int j = 0, m = 1 + rng.nextInt(4); j < m; j++) {
                        data[rng.nextInt(data.length)] = (byte) rng.nextInt(256);
                    }
                }
                case 2 -> data = Arrays.copyOf(base, rng.nextInt(base.length)); // truncation
                case 3 -> { // header length rewritten
                    data = base.clone();
                    long len = rng.nextBoolean() ? rng.nextLong() : rng.nextInt(base.length + 16) - 4;
                    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
                }
                default -> { // replace a JSON number/string with a hostile token, keep the length prefix valid
                    int pos = rng.nextInt(json.indexOf("}}") + 1);
                    int end = Math.min(json.length(), pos + 1 + rng.nextInt(6));
                    String mutated = json.substring(0, pos) + tokens[rng.nextInt(tokens.length)] + json.substring(end);
                    byte[] body = mutated.getBytes(StandardCharsets.ISO_8859_1);
                    int headerLen = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0)
                            + (body.length - (base.length - 8));
                    data = new byte[8 + body.length];
                    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLen);
                    System.arraycopy(body, 0, data, 8, body.length);
                }
            }
            Files.write(f, data);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                for (TensorInfo t : r.tensors().values()) {
                    if (t.dtype().isFloating()) {
                        r.readFloats(t.name());
                    } else {
                        r.readLongs(t.name());
                    }
                }
                accepted++;
            } catch (SafetensorsFormatException expected) {
                // the only allowed failure
            } catch (Throwable other) {
                throw new AssertionError("iteration " + iter + ": unexpected " + other, other);
            }
        }
        assertTrue(accepted > 0 && accepted < 3000, "accepted " + accepted);
    }
}
