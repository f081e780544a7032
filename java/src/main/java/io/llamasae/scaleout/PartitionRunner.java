package io.llamasae.scaleout;

import java.io.Serializable;

/**
 * What runs on one partition of a dataset, wherever the partition runs (a Spark executor, or in process).
 *
 * <p>Contract:
 * <ul>
 *   <li>The runner is serialized once and shipped to every executor; keep it small (paths and options, never
 *       weights or samples).</li>
 *   <li>{@link #openEngine} is called once per executor JVM, {@link #engineKey()} and {@link Device}; the engine is
 *       kept and reused by later tasks with the same key and device (one task at a time per engine).</li>
 *   <li>{@link #run} must give the same result and the same shard bytes for the same input whatever the attempt,
 *       the executor or the other partitions: its sample indices are global ({@link PartitionInput#firstSample()}),
 *       and partitions start on batch boundaries ({@link Partitioning}).</li>
 *   <li>{@link #merge} must be exact (integer or fixed-point sums, order-free maxima, total orders for top lists),
 *       so the merged result equals a single-process run over the whole dataset bit for bit. The driver calls it in
 *       partition order.</li>
 * </ul>
 *
 * @param <E> the engine kept per executor (model, SAEs, and whatever the runner prepares once)
 * @param <R> the mergeable result of one partition (Java-serializable: it travels to the driver)
 */
public interface PartitionRunner<E extends AutoCloseable, R extends Serializable> extends Serializable {

    /** What identifies the engine (model, SAE paths, options); with the device, the executor's cache key. */
    String engineKey();

    /** Opens the engine on {@code device} (the GPU the scheduler assigned, or the CPU with the task's cores). */
    E openEngine(Device device) throws Exception;

    /** Runs the partition's samples; sparse codes and activation rows go to {@code shards}. */
    R run(E engine, PartitionInput input, ShardSink shards) throws Exception;

    /** Folds {@code next} (the following partition) into {@code acc} and returns the merged result. */
    R merge(R acc, R next);
}
