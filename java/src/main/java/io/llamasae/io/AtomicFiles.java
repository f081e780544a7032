package io.llamasae.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/** Temp-file-then-rename writes, so readers never see a half-written output. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** A fresh hidden temp path in the same directory as {@code out} (same file system, so rename is atomic). */
    public static Path tempBeside(Path out) throws IOException {
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        return dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
    }

    /** Renames {@code tmp} onto {@code out} atomically where the file system allows. */
    public static void moveInto(Path tmp, Path out) throws IOException {
        try {
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes {@code bytes} to {@code out} atomically (synced before the rename). */
    public static void writeBytes(Path out, byte[] bytes) {
        try {
            Path tmp = tempBeside(out);
            try {
                Files.write(tmp, bytes);
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                moveInto(tmp, out);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Writes UTF-8 text to {@code out} atomically. */
    public static void writeString(Path out, String text) {
        writeBytes(out, text.getBytes(StandardCharsets.UTF_8));
    }
}
