/**
 * Scale-out contract, free of any Spark type: what runs on one partition of a dataset
 * ({@link io.llamasae.scaleout.PartitionRunner}), how the dataset is cut into partitions
 * ({@link io.llamasae.scaleout.Partitioning}), the engine an executor keeps between tasks
 * ({@link io.llamasae.scaleout.EngineSpec}, {@link io.llamasae.scaleout.Device}), the shard files a partition writes
 * ({@link io.llamasae.scaleout.ShardSink}) and the service that runs such a job
 * ({@link io.llamasae.scaleout.ScaleOut}, implemented by the {@code llama-sae-spark} module and found with
 * {@link java.util.ServiceLoader} only when that module and Spark are on the class path).
 */
package io.llamasae.scaleout;
