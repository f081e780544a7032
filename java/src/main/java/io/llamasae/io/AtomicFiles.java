package io.llamasae.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
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

    // Inputs of the running command (see protect): never replaced, whatever writes there.
    private static volatile Set<Path> protectedInputs = Set.of();

    /**
     * Protects {@code inputs} (files, or folders and everything in them) from being replaced by
     * {@link #moveInto} until the returned scope closes: the last line of defence that keeps an
     * output from overwriting an input of the same command. The CLI opens one scope per command.
     */
    public static AutoCloseable protect(Collection<Path> inputs) {
        Set<Path> previous = protectedInputs;
        Set<Path> next = new HashSet<>(previous);
        for (Path p : inputs) next.add(realOrAbsolute(p));
        protectedInputs = Set.copyOf(next);
        return () -> protectedInputs = previous;
    }

    /** The path with links resolved as far as it exists (the part that does not exist kept as is). */
    public static Path realOrAbsolute(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        Path rest = null;
        while (existing != null && !Files.exists(existing)) {
            rest = rest == null ? existing.getFileName() : existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) return abs;
        try {
            Path real = existing.toRealPath();
            return rest == null ? real : real.resolve(rest);
        } catch (IOException e) {
            return abs;
        }
    }

    private static void checkNotAnInput(Path out) throws IOException {
        Set<Path> inputs = protectedInputs;
        if (inputs.isEmpty()) return;
        Path target = realOrAbsolute(out);
        for (Path in : inputs) {
            if (target.equals(in) || target.startsWith(in) && Files.isDirectory(in)) {
                throw new IOException(out + ": output: expected a path that is not an input of this command but it "
                        + (target.equals(in) ? "is the input " : "lies inside the input folder ") + in + " (nothing was overwritten)");
            }
        }
    }

    /** Renames {@code tmp} onto {@code out} atomically where the file system allows; never onto a protected input. */
    public static void moveInto(Path tmp, Path out) throws IOException {
        checkNotAnInput(out);
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
