package io.llamasae.scaleout;

import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.IOException;

/**
 * Where a partition writes its rows: one safetensors file per kind ("codes", "activations") and partition, named
 * {@code part-NNNNN.<kind>.safetensors} from the partition index alone, so a retried or speculative attempt writes
 * the same name. The runner declares tensors and appends rows; it never commits: the framework commits the files of
 * the attempt whose result it merged, and drops the others.
 */
public interface ShardSink {
    /** The file names a partition's shard of {@code kind} gets (the manifest lists them). */
    static String fileName(int partition, String kind) {
        if (!kind.matches("[a-z][a-z0-9_-]*")) {
            throw new IllegalArgumentException("shard kind: expected lower-case letters, digits, '_' or '-' but found '" + kind + "'");
        }
        return String.format("part-%05d.%s.safetensors", partition, kind);
    }

    /** The writer of this partition's shard of {@code kind} (opened once per kind). */
    StreamingSafetensorsWriter open(String kind) throws IOException;
}
