package io.llamasae.spark;

import io.llamasae.engine.NativeLibrary;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.PartitionRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * What a Spark task runs (on an executor): bind the device Spark assigned, lease the executor's engine, run the
 * partition through the runner, upload its shards to the attempt's folder, and return the serialized result.
 */
final class PartitionTask<E extends AutoCloseable, R extends Serializable> extends AbstractFunction1<Iterator<PartitionInput>, TaskOutcome>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    private final PartitionRunner<E, R> runner;
    private final String backend;
    private final String output;                 // null: no shards
    private final SerializableHadoopConf hadoop;

    PartitionTask(PartitionRunner<E, R> runner, String backend, String output, SerializableHadoopConf hadoop) {
        this.runner = runner;
        this.backend = backend;
        this.output = output;
        this.hadoop = hadoop;
    }

    @Override
    public TaskOutcome apply(Iterator<PartitionInput> inputs) {
        try {
            return run(TaskContext.get(), inputs.next());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private TaskOutcome run(TaskContext ctx, PartitionInput input) throws Exception {
        FaultInjection.maybeFail(ctx, input.index(), "start");
        Device device = GpuBinding.forTask(CollectionConverters.asJava(ctx.resources()), backend, ctx.cpus(), NativeLibrary::hasCuda);
        EngineCache.Lease<E> lease = EngineCache.acquire(runner.engineKey(), device, () -> runner.openEngine(device));
        boolean healthy = false;
        try (ShardStaging shards = new ShardStaging(input.index())) {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            R result = runner.run(lease.engine(), input, shards);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
            healthy = true;
            FaultInjection.maybeFail(ctx, input.index(), "before-commit");
            String attemptDir = null;
            List<String> files = List.of();
            if (output != null) {
                Path dir = ShardCommitter.attemptDir(new Path(output), input.index(), ctx.stageAttemptNumber(), ctx.taskAttemptId());
                try (FileSystem fs = ShardCommitter.open(dir, hadoop.get())) {
                    files = shards.upload(fs, dir);
                }
                attemptDir = dir.toString();
            }
            return new TaskOutcome(input.index(), ctx.attemptNumber(), attemptDir, files, serialize(result), device.toString(), seconds, cpuSeconds);
        } finally {
            lease.release(healthy);
        }
    }

    static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
