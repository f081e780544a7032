package io.llamasae.spark;

import org.apache.spark.TaskContext;

/**
 * A test hook: makes the first attempt of one partition fail, so tests can show that Spark's retry gives the
 * identical result and that the failed attempt's shards are never counted. Set through job properties (Spark local
 * properties, which travel with the job to its tasks):
 * <ul>
 *   <li>{@value #PARTITION}: the partition index to fail</li>
 *   <li>{@value #WHEN}: {@code start} (before the engine runs) or {@code before-commit} (after the runner wrote its
 *       shards and produced its result; default)</li>
 *   <li>{@value #HOW}: {@code throw} (a task error, default) or {@code exit} (halts the executor JVM: a killed
 *       executor; only where executors have their own JVMs, never in local mode)</li>
 * </ul>
 */
final class FaultInjection {
    static final String PREFIX = "spark.llamasae.test.";
    static final String PARTITION = PREFIX + "failPartition";
    static final String WHEN = PREFIX + "failWhen";
    static final String HOW = PREFIX + "failHow";

    private FaultInjection() {}

    /** Fails the task if it is the first attempt of the configured partition at {@code when}. */
    static void maybeFail(TaskContext ctx, int partition, String when) {
        String target = ctx.getLocalProperty(PARTITION);
        if (target == null || Integer.parseInt(target) != partition || ctx.attemptNumber() != 0) {
            return;
        }
        String configuredWhen = ctx.getLocalProperty(WHEN);
        if (!when.equals(configuredWhen == null ? "before-commit" : configuredWhen)) {
            return;
        }
        if ("exit".equals(ctx.getLocalProperty(HOW))) {
            System.err.println("llama-sae test hook: halting executor JVM in partition " + partition + " attempt 0");
            Runtime.getRuntime().halt(137);
        }
        throw new IllegalStateException("llama-sae test hook: partition " + partition + " fails its first attempt (" + when + ")");
    }
}
