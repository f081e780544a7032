package io.llamasae.scaleout;

import java.util.List;

/**
 * A finished job: the merged result and what each partition cost.
 *
 * @param merged     the partitions' results merged in partition order
 * @param partitions one report per partition, in partition order
 * @param manifest   URI of the shard manifest, or null when no shard was written
 * @param seconds    wall time of the job on the driver (Spark start-up excluded)
 * @param mergeSeconds driver time spent deserializing and merging results
 */
public record ScaleOutResult<R>(R merged, List<PartitionReport> partitions, String manifest, double seconds, double mergeSeconds) {

    /**
     * @param index        partition number
     * @param samples      samples in the partition
     * @param attempt      the attempt whose result was merged (0 = first)
     * @param device       where it ran
     * @param seconds      time the runner took on the executor (wall)
     * @param cpuSeconds   CPU time of the task's thread meanwhile (where llama.cpp runs with one thread per task; with
     *                     more, its worker threads are not counted)
     * @param resultBytes  serialized size of its result (what travelled to the driver)
     * @param shardFiles   committed shard files (names relative to the output folder)
     */
    public record PartitionReport(int index, int samples, int attempt, String device, double seconds, double cpuSeconds, long resultBytes,
                                  List<String> shardFiles) {
    }
}
