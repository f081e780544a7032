package io.llamasae.sweep;

import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.scaleout.ShardSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shards of a sweep run in this process (the whole dataset as one partition): each kind is one file in the output
 * folder, {@code <kind>.safetensors} ({@code codes.safetensors}, {@code activations.safetensors}), resumable when the
 * run is, committed atomically once the run has finished.
 */
final class LocalShards implements ShardSink, AutoCloseable {
    private final Path dir;
    private final boolean resumable;
    private final Map<String, StreamingSafetensorsWriter> open = new LinkedHashMap<>();

    LocalShards(Path dir, boolean resumable) {
        this.dir = dir;
        this.resumable = resumable;
    }

    static Path file(Path dir, String kind) {
        return dir.resolve(kind + ".safetensors");
    }

    @Override
    public StreamingSafetensorsWriter open(String kind) throws IOException {
        if (open.containsKey(kind)) throw new IllegalStateException("shard kind " + kind + " opened twice");
        Path f = file(dir, kind);
        StreamingSafetensorsWriter w = resumable ? StreamingSafetensorsWriter.resumable(f) : new StreamingSafetensorsWriter(f);
        open.put(kind, w);
        return w;
    }

    /** Writes every opened file atomically; returns them. */
    List<Path> commit() throws IOException {
        List<Path> out = new ArrayList<>();
        for (var e : open.entrySet()) {
            e.getValue().commit();
            out.add(file(dir, e.getKey()));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (StreamingSafetensorsWriter w : open.values()) {
            try {
                w.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
