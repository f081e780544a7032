package io.llamasae.scaleout;

import java.io.Serializable;
import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Runs a {@link ScaleOutJob} on a cluster. The implementation lives in the {@code llama-sae-spark} module and is
 * found with {@link ServiceLoader}: the CLI jar has no Spark inside, and the launcher ({@code ./llama-sae ... --spark
 * MASTER}) or {@code spark-submit} puts the module and Spark on the class path.
 */
public interface ScaleOut {

    /** Runs the job and returns the merged result; shards (if any) are committed under {@code job.output()}. */
    <E extends AutoCloseable, R extends Serializable> ScaleOutResult<R> run(ScaleOutJob<E, R> job) throws Exception;

    /** The implementation on the class path, if any. */
    static Optional<ScaleOut> find() {
        Iterator<ScaleOut> it = ServiceLoader.load(ScaleOut.class).iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    /** The implementation, or an IllegalArgumentException (exit code 2 in the CLI) telling how to get one. */
    static ScaleOut require() {
        return find().orElseThrow(() -> new IllegalArgumentException("--spark: Spark is not on the class path: run through ./llama-sae "
                + "(which adds the llama-sae-spark module and Spark when --spark is given) or submit spark/target/llama-sae-spark.jar "
                + "with spark-submit --class io.llamasae.spark.SparkMain"));
    }
}
