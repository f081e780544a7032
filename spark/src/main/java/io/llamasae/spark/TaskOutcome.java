package io.llamasae.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What one successful task attempt sends to the driver.
 *
 * @param partition   partition index
 * @param attempt     {@code TaskContext.attemptNumber()}
 * @param attemptDir  where its shards wait for the driver's commit (null without shards)
 * @param shardFiles  shard file names in that folder
 * @param result      the runner's result, Java-serialized (independent of spark.serializer)
 * @param device      where the engine ran
 * @param seconds     runner time on the executor
 * @param cpuSeconds  CPU time of the task's thread during the runner
 */
record TaskOutcome(int partition, int attempt, String attemptDir, List<String> shardFiles, byte[] result, String device,
                   double seconds, double cpuSeconds) implements Serializable {
}
