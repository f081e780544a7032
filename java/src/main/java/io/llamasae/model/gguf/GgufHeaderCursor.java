package io.llamasae.model.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sequential little-endian reader over the header region of a GGUF file. Every read first checks
 * that the bytes exist, so truncation surfaces as a {@link GgufFormatException} naming the field.
 */
final class GgufHeaderCursor {
    private static final int WINDOW = 1 << 16;

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final ByteBuffer buf = ByteBuffer.allocate(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    /** Absolute file position of buf's next byte. */
    private long pos;

    GgufHeaderCursor(Path file, FileChannel channel, long fileSize) {
        this.file = file;
        this.channel = channel;
        this.fileSize = fileSize;
        buf.limit(0);
    }

    long position() {
        return pos;
    }

    long remaining() {
        return fileSize - pos;
    }

    /** Fails with "truncated" unless n more bytes exist. */
    void require(long n, String field) throws GgufFormatException {
        if (n < 0 || n > remaining()) {
            throw GgufFormatException.of(file, field, n + " more bytes at offset " + pos,
                    "only " + remaining() + " bytes before the end of the file (truncated?)");
        }
    }

    private void fill(int n, String field) throws IOException {
        require(n, field);
        if (buf.remaining() >= n) {
            return;
        }
        buf.compact();
        while (buf.position() < n) {
            // buf now holds the bytes from pos onwards; append what follows them
            int r = channel.read(buf, pos + buf.position());
            if (r < 0) {
                throw GgufFormatException.of(file, field, n + " bytes", "end of file at offset " + pos);
            }
        }
        buf.flip();
    }

    int u8(String field) throws IOException {
        fill(1, field);
        pos += 1;
        return buf.get() & 0xFF;
    }

    short i16(String field) throws IOException {
        fill(2, field);
        pos += 2;
        return buf.getShort();
    }

    int i32(String field) throws IOException {
        fill(4, field);
        pos += 4;
        return buf.getInt();
    }

    long i64(String field) throws IOException {
        fill(8, field);
        pos += 8;
        return buf.getLong();
    }

    float f32(String field) throws IOException {
        return Float.intBitsToFloat(i32(field));
    }

    double f64(String field) throws IOException {
        return Double.longBitsToDouble(i64(field));
    }

    /** uint64 that must fit a non-negative long. */
    long u64(String field) throws IOException {
        long v = i64(field);
        if (v < 0) {
            throw GgufFormatException.of(file, field, "a count below 2^63", Long.toUnsignedString(v));
        }
        return v;
    }

    /** GGUF string: uint64 length + UTF-8 bytes. */
    String string(String field) throws IOException {
        long len = u64(field + " (string length)");
        require(len, field + " (string of " + len + " bytes)");
        if (len > Integer.MAX_VALUE - 8) {
            throw GgufFormatException.of(file, field, "a string shorter than 2 GiB", len + " bytes");
        }
        byte[] bytes = new byte[(int) len];
        int done = 0;
        while (done < bytes.length) {
            if (!buf.hasRemaining()) {
                fill(Math.min(WINDOW, bytes.length - done), field);
            }
            int k = Math.min(buf.remaining(), bytes.length - done);
            buf.get(bytes, done, k);
            done += k;
            pos += k;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
