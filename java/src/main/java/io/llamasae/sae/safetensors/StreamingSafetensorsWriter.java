package io.llamasae.sae.safetensors;

import io.llamasae.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors too large for memory: each declared tensor's rows are spilled to a temp file
 * beside the output; {@link #commit()} writes the header (leading dimension = rows appended),
 * concatenates the spills, fsyncs and renames atomically. {@link #close()} without commit deletes
 * every temp file and leaves {@code out} untouched.
 *
 * <p>Usage: {@code declare("layer3.pos-1", F32, d)}, then any number of
 * {@code appendRows("layer3.pos-1", bytes)} with whole rows of little-endian data, then commit.
 */
public final class StreamingSafetensorsWriter implements AutoCloseable {
    private final Path out;
    private final Map<String, Spill> spills = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private boolean finished;

    private static final class Spill {
        final DType dtype;
        final long[] rowShape;
        final long rowBytes;
        final Path file;
        final FileChannel channel;
        long rows;

        Spill(DType dtype, long[] rowShape, long rowBytes, Path file, FileChannel channel) {
            this.dtype = dtype;
            this.rowShape = rowShape;
            this.rowBytes = rowBytes;
            this.file = file;
            this.channel = channel;
        }
    }

    /** A writer that will produce {@code out} on commit. */
    public StreamingSafetensorsWriter(Path out) {
        this.out = out;
    }

    /** Declares tensor {@code name} whose rows have trailing dims {@code rowShape} (may be empty: a vector). */
    public void declare(String name, DType dtype, long... rowShape) throws IOException {
        ensureOpen();
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        if (spills.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is already declared");
        }
        long rowBytes = dtype.byteSize();
        for (long s : rowShape) {
            if (s < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': row shape " + Arrays.toString(rowShape)
                        + " has a negative dimension");
            }
            rowBytes = Math.multiplyExact(rowBytes, s);
        }
        Path tmp = AtomicFiles.tempBeside(out);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ);
        spills.put(name, new Spill(dtype, rowShape.clone(), rowBytes, tmp, ch));
    }

    /** Appends whole rows (bytes from position to limit, little-endian) to tensor {@code name}. */
    public void appendRows(String name, ByteBuffer rows) throws IOException {
        ensureOpen();
        Spill s = spill(name);
        long n = rows.remaining();
        if (s.rowBytes == 0 ? n != 0 : n % s.rowBytes != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': expected a multiple of " + s.rowBytes
                    + " bytes (whole rows) but found " + n);
        }
        SafetensorsWriter.writeFully(s.channel, rows);
        if (s.rowBytes > 0) {
            s.rows += n / s.rowBytes;
        }
    }

    /** Appends {@code len} floats from {@code src[off..]} (tensor must be F32; len a multiple of the row size). */
    public void appendRows(String name, float[] src, int off, int len) throws IOException {
        Spill s = spill(name);
        if (s.dtype != DType.F32) {
            throw new IllegalArgumentException("tensor '" + name + "': expected dtype F32 but found " + s.dtype);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(len, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(src, off, len);
        appendRows(name, b);
    }

    /** Appends {@code len} ints (tensor must be I32). */
    public void appendRows(String name, int[] src, int off, int len) throws IOException {
        Spill s = spill(name);
        if (s.dtype != DType.I32) {
            throw new IllegalArgumentException("tensor '" + name + "': expected dtype I32 but found " + s.dtype);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(len, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(src, off, len);
        appendRows(name, b);
    }

    /** Rows appended so far to {@code name}. */
    public long rows(String name) {
        return spill(name).rows;
    }

    /** Adds a {@code __metadata__} entry. */
    public void putMetadata(String key, String value) {
        ensureOpen();
        metadata.put(key, value);
    }

    /** Writes the output file atomically and removes the temp files. */
    public void commit() throws IOException {
        ensureOpen();
        List<HeaderJson.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Spill> e : spills.entrySet()) {
            Spill s = e.getValue();
            long[] shape = new long[s.rowShape.length + 1];
            shape[0] = s.rows;
            System.arraycopy(s.rowShape, 0, shape, 1, s.rowShape.length);
            entries.add(new HeaderJson.Entry(e.getKey(), s.dtype, shape));
        }
        ByteBuffer header = HeaderJson.encode(entries, metadata);
        Path tmp = AtomicFiles.tempBeside(out);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                SafetensorsWriter.writeFully(ch, header);
                for (Spill s : spills.values()) {
                    long size = s.channel.size();
                    long pos = 0;
                    while (pos < size) {
                        pos += s.channel.transferTo(pos, size - pos, ch);
                    }
                }
                ch.force(true);
            }
            AtomicFiles.moveInto(tmp, out);
        } finally {
            Files.deleteIfExists(tmp);
            finished = true;
            deleteSpills();
        }
    }

    /** Deletes temp files; if commit() was not called the output is not written. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            deleteSpills();
        }
    }

    private void deleteSpills() throws IOException {
        IOException first = null;
        for (Spill s : spills.values()) {
            try {
                s.channel.close();
                Files.deleteIfExists(s.file);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private Spill spill(String name) {
        Spill s = spills.get(name);
        if (s == null) {
            throw new IllegalArgumentException("tensor '" + name + "' was not declared");
        }
        return s;
    }

    private void ensureOpen() {
        if (finished) {
            throw new IllegalStateException("writer for " + out + " is already committed or closed");
        }
    }
}
