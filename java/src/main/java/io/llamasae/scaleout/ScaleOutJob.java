package io.llamasae.scaleout;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A dataset job to run on a cluster.
 *
 * @param master     Spark master URL ({@code local[4]}, {@code spark://host:7077}, {@code yarn}, {@code k8s://...}), or
 *                   {@code null} to take it from {@code spark-submit}'s configuration
 * @param conf       extra Spark settings ({@code spark.executor.resource.gpu.amount=1}, ...), applied before the job
 * @param backend    {@code cpu}, {@code cuda} or {@code auto}: how a task uses the GPU its scheduler assigned
 *                   (auto: the assigned GPU if any, else the CPU)
 * @param partitions the dataset cut into partitions ({@link Partitioning#inputs})
 * @param runner     what runs on each partition
 * @param output     folder for shards and their manifest (any Hadoop file system URI: a local path, hdfs://,
 *                   s3a://), or {@code null} when the runner writes no shard
 * @param metadata   entries copied into the manifest (model, layer convention, ...)
 */
public record ScaleOutJob<E extends AutoCloseable, R extends Serializable>(String master, Map<String, String> conf, String backend,
                                                                          List<PartitionInput> partitions, PartitionRunner<E, R> runner,
                                                                          String output, Map<String, String> metadata) {
    public ScaleOutJob {
        conf = Map.copyOf(conf);
        partitions = List.copyOf(partitions);
        metadata = Map.copyOf(metadata);
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("scale-out job: expected at least one partition");
        }
        for (int i = 0; i < partitions.size(); i++) {
            if (partitions.get(i).index() != i) {
                throw new IllegalArgumentException("scale-out job: expected partition " + i + " at position " + i + " but found "
                        + partitions.get(i).index());
            }
        }
        if (!List.of("cpu", "cuda", "auto").contains(backend)) {
            throw new IllegalArgumentException("--backend: expected cpu, cuda or auto but found '" + backend + "'");
        }
    }
}
