package io.llamasae.spark;

import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.scaleout.ShardSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;

/**
 * The executor side of a partition's shards: the runner writes each shard to a local temp folder; on success the
 * files are uploaded to this attempt's own folder under {@code <output>/_temporary/} (a name no other attempt
 * uses). Only the driver moves them to their final names ({@link ShardCommitter}), for the one attempt whose result
 * it merged, so a failed, retried or speculative attempt never leaves a second copy of a partition behind.
 */
final class ShardStaging implements ShardSink, AutoCloseable {
    private final int partition;
    private final Path localDir;
    private final Map<String, StreamingSafetensorsWriter> writers = new LinkedHashMap<>();

    ShardStaging(int partition) throws IOException {
        this.partition = partition;
        this.localDir = Files.createTempDirectory("llama-sae-shard-" + partition + "-");
    }

    @Override
    public StreamingSafetensorsWriter open(String kind) throws IOException {
        String name = ShardSink.fileName(partition, kind);
        if (writers.containsKey(name)) {
            throw new IllegalStateException("shard '" + name + "' is already open");
        }
        StreamingSafetensorsWriter w = new StreamingSafetensorsWriter(localDir.resolve(name));
        writers.put(name, w);
        return w;
    }

    /** Commits the local files and copies them into {@code attemptDir}; returns their names. */
    List<String> upload(FileSystem fs, org.apache.hadoop.fs.Path attemptDir) throws IOException {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, StreamingSafetensorsWriter> e : writers.entrySet()) {
            e.getValue().commit();
            fs.copyFromLocalFile(true, true, new org.apache.hadoop.fs.Path(localDir.resolve(e.getKey()).toUri()),
                    new org.apache.hadoop.fs.Path(attemptDir, e.getKey()));
            names.add(e.getKey());
        }
        return names;
    }

    /** Deletes whatever is left locally (uncommitted spills, or everything after a failure). */
    @Override
    public void close() throws IOException {
        for (StreamingSafetensorsWriter w : writers.values()) {
            w.close();
        }
        if (Files.exists(localDir)) {
            try (Stream<Path> s = Files.walk(localDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
