package io.llamasae.sae.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sparse 2.2 GB file (little real disk): tensors beyond the 2 GiB offset are readable. */
class LargeFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTensorsPastTwoGiB() throws Exception {
        long padElems = 550_000_000L; // 2.2e9 bytes of F32
        long padBytes = padElems * 4;
        String json = "{\"pad\":{\"dtype\":\"F32\",\"shape\":[" + padElems + "],\"data_offsets\":[0," + padBytes
                + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + padBytes + ","
                + (padBytes + 16) + "]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length);
            raf.write(len.array());
            raf.write(h);
            long dataStart = 8 + h.length;
            raf.setLength(dataStart + padBytes + 16); // sparse: the pad is never written
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            tail.asFloatBuffer().put(new float[] {1.5f, -2f, 3f, 4.25f});
            raf.seek(dataStart + padBytes);
            raf.write(tail.array());
            raf.seek(dataStart + padBytes - 4);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 7f).array());
        }
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertArrayEquals(new float[] {1.5f, -2f, 3f, 4.25f}, r.readFloats("tail"));
            float[] last = new float[2];
            r.readFloats("pad", padElems - 2, last, 0, 2);
            assertArrayEquals(new float[] {0f, 7f}, last);
            assertEquals(7f, r.window("pad", padElems - 1, 1).getFloat(0));
            // One view of the whole 2.2 GB tensor cannot exist; the message says to use window().
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> r.buffer("pad"));
            assertEquals(true, e.getMessage().contains("window()"), e.getMessage());
        }
    }
}
