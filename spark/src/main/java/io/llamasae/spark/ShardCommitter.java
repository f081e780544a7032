package io.llamasae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.scaleout.PartitionInput;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver side of the shards, through Hadoop's FileSystem API (any Hadoop-compatible path): attempt folders under
 * {@code <output>/_temporary/}, the commit of the attempt whose result was merged (a rename to the partition's
 * fixed name, replacing a file a previous run left), and the manifest, written last under a temp name and renamed.
 * A reader that finds {@code manifest.json} finds every shard it lists.
 */
final class ShardCommitter implements AutoCloseable {
    static final String MANIFEST = "manifest.json";
    static final String FORMAT = "llama-sae-shards/1";
    private static final String TEMPORARY = "_temporary";

    private final FileSystem fs;
    private final Path output;

    ShardCommitter(String output, Configuration conf) throws IOException {
        this.output = new Path(output);
        this.fs = open(this.output, conf);
    }

    /** A file system instance of our own (closed by its user), without the .crc side files of Hadoop's local one. */
    static FileSystem open(Path path, Configuration conf) throws IOException {
        FileSystem fs = FileSystem.newInstance(path.toUri(), conf);
        fs.setWriteChecksum(false);
        return fs;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Makes the output folder and clears attempt folders a crashed earlier run left; an old manifest is removed first. */
    void prepare() throws IOException {
        if (fs.exists(output) && !fs.getFileStatus(output).isDirectory()) {
            throw new IllegalArgumentException("--out " + output + ": expected a folder but found a file");
        }
        fs.delete(new Path(output, MANIFEST), false);
        fs.delete(new Path(output, TEMPORARY), true);
        fs.mkdirs(output);
    }

    /** The folder one task attempt uploads to: unique per attempt (stage attempt and task attempt id). */
    Path attemptDir(int partition, int stageAttempt, long taskAttemptId) {
        return attemptDir(output, partition, stageAttempt, taskAttemptId);
    }

    static Path attemptDir(Path output, int partition, int stageAttempt, long taskAttemptId) {
        return new Path(new Path(output, TEMPORARY), String.format("attempt-%05d-%d-%d", partition, stageAttempt, taskAttemptId));
    }

    /** Moves an attempt's files to their final names; returns those names. */
    List<String> commit(String attemptDir, List<String> files) throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : files) {
            Path src = new Path(attemptDir, name);
            Path dst = new Path(output, name);
            fs.delete(dst, false);  // a previous run's copy of this partition
            if (!fs.rename(src, dst)) {
                throw new IOException("shard commit: could not rename " + src + " to " + dst);
            }
            out.add(name);
        }
        return out;
    }

    /** Writes the manifest (temp name, then rename) and removes the attempt folders; returns its URI. */
    String finish(List<PartitionInput> partitions, Map<Integer, List<String>> files, Map<String, String> metadata) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("samples", partitions.get(partitions.size() - 1).endSample());
        json.put("metadata", new TreeMap<>(metadata));
        List<Map<String, Object>> parts = new ArrayList<>();
        for (PartitionInput p : partitions) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", p.index());
            e.put("first_sample", p.firstSample());
            e.put("samples", p.size());
            e.put("files", files.getOrDefault(p.index(), List.of()));
            parts.add(e);
        }
        json.put("partitions", parts);
        byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json);
        Path tmp = new Path(output, "." + MANIFEST + ".tmp");
        try (OutputStream o = fs.create(tmp, true)) {
            o.write(bytes);
        }
        Path dst = new Path(output, MANIFEST);
        fs.delete(dst, false);
        if (!fs.rename(tmp, dst)) {
            throw new IOException("manifest: could not rename " + tmp + " to " + dst);
        }
        fs.delete(new Path(output, TEMPORARY), true);
        return dst.toString();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    /** Removes the attempt folders after a failed job (committed shards stay; without a manifest they are not a result). */
    void abort() {
        try {
            fs.delete(new Path(output, TEMPORARY), true);
        } catch (IOException ignored) {
            // best effort: the next run's prepare() clears it too
        }
    }
}
