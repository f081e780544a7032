package io.llamasae.cli;

import io.llamasae.scaleout.PartitionRunner;
import io.llamasae.scaleout.Partitioning;
import io.llamasae.scaleout.ScaleOut;
import io.llamasae.scaleout.ScaleOutJob;
import io.llamasae.scaleout.ScaleOutResult;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of a command that can run as a Spark job ({@code @Mixin}): without {@code --spark} (and outside
 * spark-submit) the command runs in process as before; with it, {@link #run} cuts the dataset into partitions and
 * hands the job to the {@link ScaleOut} implementation on the class path (the {@code llama-sae-spark} module).
 */
public final class ScaleOutOptions {
    @Option(names = "--spark", defaultValue = "${sys:spark.master}",
            description = "Run as a Spark job on this master: local[4], local[2,3] (3 attempts per task), spark://host:7077, yarn, "
                    + "k8s://... (default: spark-submit's --master; none: run in this process)")
    String master;

    @Option(names = "--spark-conf", description = "Spark setting key=value (repeatable), e.g. spark.executor.resource.gpu.amount=1")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--partitions", defaultValue = "8",
            description = "Spark partitions, each a range of whole batches (at most one per batch; default ${DEFAULT-VALUE})")
    int partitions;

    /** True when the command should run as a Spark job. */
    public boolean enabled() {
        return master != null && !master.isBlank();
    }

    /** Fails with a one-line message (exit code 2) unless {@code --spark} was given or spark-submit set the master. */
    public void requireEnabled() {
        if (!enabled()) {
            throw new IllegalArgumentException("--spark: expected a Spark master (local[4], spark://host:7077, yarn, ...) or a run under "
                    + "spark-submit");
        }
    }

    /**
     * Runs {@code runner} over the dataset ({@code ids}, {@code prompts}) as a Spark job and returns the merged result.
     *
     * @param batch   prompts per engine run: partitions hold whole batches
     * @param backend cpu, cuda or auto (see the Spark module's GpuBinding)
     * @param shards  Hadoop path for shards and their manifest, or null when the runner writes none
     */
    public <E extends AutoCloseable, R extends Serializable> ScaleOutResult<R> run(List<String> ids, List<String> prompts, int batch,
                                                                                 String backend, PartitionRunner<E, R> runner,
                                                                                 String shards, Map<String, String> metadata)
            throws Exception {
        requireEnabled();
        ScaleOutJob<E, R> job = new ScaleOutJob<>(master, conf, backend, Partitioning.inputs(ids, prompts, batch, partitions), runner,
                shards, metadata);
        return ScaleOut.require().run(job);
    }

    /** The master URL (null when not given). */
    public String master() {
        return master;
    }
}
