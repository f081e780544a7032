package io.llamasae.sae.safetensors;

import io.llamasae.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
 *
 * <p>Resumable mode ({@link #resumable}) keeps the spills in {@code <out>.partial/} instead:
 * {@link #checkpoint} syncs them and records the row counts and a caller state map; a writer
 * reopened on the same folder continues every spill after the last checkpoint and reports that
 * state ({@link #resumedState()}), so an interrupted long run continues where it stopped.
 * Closing without commit keeps the folder; commit deletes it. While a resumable writer is open it
 * holds an exclusive lock on the folder: a second writer for the same output (another process, or
 * this one) is refused instead of sharing the spills. Nothing in the folder changes before the
 * first append, so a writer whose caller then refuses to resume (other inputs) destroys nothing.
 * Temp files a killed checkpoint left behind are removed by the next checkpoint or commit (not on
 * reopening: that would change the folder before the first append).
 */
public final class StreamingSafetensorsWriter implements AutoCloseable {
    private final Path out;
    private final Map<String, Spill> spills = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private boolean finished;
    private final Path partialDir;                 // null: plain temp spills beside the output
    private final Map<String, Long> checkpointRows = new TreeMap<>();
    private Map<String, String> resumedState = Map.of();

    private static final class Spill {
        final DType dtype;
        final long[] rowShape;
        final long rowBytes;
        final Path file;
        final FileChannel channel;
        long rows;
        boolean trimmed = true;  // resumable: false until bytes after the checkpoint are cut off

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
        this.partialDir = null;
    }

    private FileChannel lockChannel;               // resumable: holds the folder's lock
    private FileLock lock;

    private StreamingSafetensorsWriter(Path out, Path partialDir) throws IOException {
        this.out = out;
        this.partialDir = partialDir;
        lockFolder();
        try {
            Path cp = partialDir.resolve(CHECKPOINT);
            if (Files.exists(cp)) {
                readCheckpoint(cp);
            }
        } catch (IOException | RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    private void lockFolder() throws IOException {
        lockChannel = FileChannel.open(partialDir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;  // held by another writer in this JVM
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException(partialDir + ": lock: expected no other writer of " + out.getFileName() + " but another run holds "
                    + "this folder (a resumable run of the same output is still going); wait for it or choose another output");
        }
    }

    private void releaseLock() throws IOException {
        if (lockChannel != null) {
            lockChannel.close();  // releases the lock
            lockChannel = null;
            lock = null;
        }
    }

    /** Temp files of an atomic checkpoint write that a killed run left behind ({@link AtomicFiles#tempBeside}). */
    private void removeStaleTemps() throws IOException {
        try (var files = Files.list(partialDir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.endsWith(".tmp")) Files.deleteIfExists(p);
            }
        }
    }

    private void readCheckpoint(Path cp) throws IOException {
        try {
            var node = CHECKPOINT_JSON.readTree(cp.toFile());
            if (node == null || !node.path("rows").isObject() || !node.path("state").isObject()) throw new IOException("missing rows/state");
            node.get("rows").fields().forEachRemaining(e -> checkpointRows.put(e.getKey(), e.getValue().asLong()));
            Map<String, String> state = new LinkedHashMap<>();
            node.get("state").fields().forEachRemaining(e -> state.put(e.getKey(), e.getValue().asText()));
            resumedState = state;
        } catch (IOException e) {
            throw new IOException(cp + ": checkpoint: expected the checkpoint an interrupted run wrote but found an unreadable file ("
                    + e.getMessage().lines().findFirst().orElse("") + "); delete " + partialDir + " to start over", e);
        }
    }

    private static final String CHECKPOINT = "checkpoint.json";
    private static final String LOCK = "lock";
    private static final com.fasterxml.jackson.databind.ObjectMapper CHECKPOINT_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * A resumable writer: spills live in {@code <out>.partial/}; if that folder holds a checkpoint,
     * declared tensors continue from it (see {@link #resumedState()}).
     */
    public static StreamingSafetensorsWriter resumable(Path out) throws IOException {
        Path dir = partialDir(out);
        Files.createDirectories(dir);
        return new StreamingSafetensorsWriter(out, dir);
    }

    /** The folder a resumable writer for {@code out} keeps its spills in. */
    public static Path partialDir(Path out) {
        Path abs = out.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".partial");
    }

    /** The state stored by the last checkpoint this writer resumed from (empty for a fresh start). */
    public Map<String, String> resumedState() {
        return resumedState;
    }

    /** Syncs every spill and records row counts plus {@code state} atomically (resumable mode only). */
    public void checkpoint(Map<String, String> state) throws IOException {
        ensureOpen();
        if (partialDir == null) throw new IllegalStateException("checkpoint needs a resumable writer");
        var root = CHECKPOINT_JSON.createObjectNode();
        var rows = root.putObject("rows");
        for (Map.Entry<String, Spill> e : spills.entrySet()) {
            trim(e.getValue());
            e.getValue().channel.force(false);
            rows.put(e.getKey(), e.getValue().rows);
        }
        var st = root.putObject("state");
        state.forEach(st::put);
        removeStaleTemps();
        AtomicFiles.writeBytes(partialDir.resolve(CHECKPOINT), CHECKPOINT_JSON.writeValueAsBytes(root));
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
        if (partialDir == null) {
            Path tmp = AtomicFiles.tempBeside(out);
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ);
            spills.put(name, new Spill(dtype, rowShape.clone(), rowBytes, tmp, ch));
            return;
        }
        // Resumable: the spill keeps its name; continue after the checkpointed rows. Bytes written
        // after the checkpoint are cut off only when this writer first writes (see trim), so a
        // caller that refuses to resume leaves the folder as it found it.
        Path file = partialDir.resolve(name + ".bin");
        long keep = checkpointRows.getOrDefault(name, 0L);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.READ);
        long bytes = Math.multiplyExact(keep, rowBytes);
        if (ch.size() < bytes) {
            long size = ch.size();
            ch.close();
            throw new IOException(file + ": size: expected at least the " + bytes + " bytes the checkpoint promises but found " + size
                    + " (delete " + partialDir + " to start over)");
        }
        ch.position(bytes);
        Spill sp = new Spill(dtype, rowShape.clone(), rowBytes, file, ch);
        sp.rows = keep;
        sp.trimmed = false;
        spills.put(name, sp);
    }

    /** Cuts a resumed spill back to its checkpointed rows before anything new is written or committed. */
    private static void trim(Spill s) throws IOException {
        if (s.trimmed) return;
        long bytes = Math.multiplyExact(s.rows, s.rowBytes);
        s.channel.truncate(bytes);
        s.channel.position(bytes);
        s.trimmed = true;
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
        trim(s);
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
        for (Spill s : spills.values()) trim(s);
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
            if (partialDir != null) {
                removePartialDir();
            }
        }
    }

    /**
     * After a commit: removes the checkpoint, stale temps, the lock and the folder. Best effort: the
     * output is written by then, and a file someone else put in the folder keeps it (and is kept).
     */
    private void removePartialDir() {
        try {
            Files.deleteIfExists(partialDir.resolve(CHECKPOINT));
            removeStaleTemps();
            Files.deleteIfExists(partialDir.resolve(LOCK));
            releaseLock();
            Files.deleteIfExists(partialDir);
        } catch (IOException e) {
            // e.g. DirectoryNotEmptyException: nothing of ours is left in it
        }
    }

    /**
     * Without commit: deletes the temp files (plain mode) or keeps the spills and checkpoint for a
     * later resume (resumable mode); the output is not written either way.
     */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            if (partialDir == null) {
                deleteSpills();
            } else {
                for (Spill s : spills.values()) s.channel.close();
                releaseLock();
            }
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
