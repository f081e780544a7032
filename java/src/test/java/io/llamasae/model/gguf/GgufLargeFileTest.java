package io.llamasae.model.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files and tensors beyond 2 GiB, using a sparse file so no disk space is consumed. */
class GgufLargeFileTest {
    @TempDir
    Path dir;

    @Test
    void rowsOfATensorBeyondTwoGibAreReadable() throws Exception {
        long ne0 = 1024;
        long ne1 = (1L << 21) + 1; // 1024 * (2^21 + 1) F32 = 8 GiB, more than 2^31 elements
        ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(GgufReader.MAGIC).putInt(3).putLong(1).putLong(0);
        byte[] name = "big".getBytes();
        h.putLong(name.length).put(name).putInt(2).putLong(ne0).putLong(ne1).putInt(GgmlType.F32.id).putLong(0);
        long dataStart = GgufReader.alignUp(h.position(), 32);
        long size = dataStart + ne0 * ne1 * 4;
        Path f = dir.resolve("big.gguf");
        float[] lastRow = new float[(int) ne0];
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(h.array(), 0, h.position());
            raf.setLength(size); // sparse: the hole reads as zeros
            ByteBuffer row = ByteBuffer.allocate((int) ne0 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < ne0; i++) {
                lastRow[i] = i * 0.5f - 7;
                row.putFloat(lastRow[i]);
            }
            raf.seek(size - ne0 * 4);
            raf.write(row.array());
        }
        assertEquals(size, Files.size(f));
        try (GgufReader r = GgufReader.open(f)) {
            GgufTensorInfo t = r.tensor("big");
            assertEquals(dataStart, t.fileOffset());
            assertEquals(ne0 * ne1 * 4, t.byteSize());
            assertTrue(t.fileOffset() + t.byteSize() > (1L << 32));
            assertArrayEquals(lastRow, r.readRows(t, ne1 - 1, 1));
            assertArrayEquals(new float[(int) ne0 * 2], r.readRows(t, ne1 / 2, 2));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> r.readFloats(t));
            assertTrue(e.getMessage().contains("read it by rows"), e.getMessage());
            e = assertThrows(GgufFormatException.class, () -> r.mapData(t));
            assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
        }
    }
}
