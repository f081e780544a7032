package io.llamasae.sae.safetensors;

import io.llamasae.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes in-memory tensors to a safetensors file atomically (temp file beside it, fsync, rename). */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} (laid out sorted by name, contiguous) and {@code metadata} (may be
     * empty or null) to {@code out}, replacing it atomically.
     */
    public static void write(Path out, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        List<HeaderJson.Entry> entries = new ArrayList<>();
        sorted.forEach((name, t) -> entries.add(new HeaderJson.Entry(name, t.dtype(), t.shape())));
        ByteBuffer header = HeaderJson.encode(entries, metadata);
        Path tmp = AtomicFiles.tempBeside(out);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeFully(ch, header);
                for (Tensor t : sorted.values()) {
                    writeFully(ch, t.data());
                }
                ch.force(true);
            }
            AtomicFiles.moveInto(tmp, out);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
