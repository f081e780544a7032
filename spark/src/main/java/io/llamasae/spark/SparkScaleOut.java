package io.llamasae.spark;

import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.PartitionRunner;
import io.llamasae.scaleout.ScaleOut;
import io.llamasae.scaleout.ScaleOutJob;
import io.llamasae.scaleout.ScaleOutResult;
import io.llamasae.scaleout.ScaleOutResult.PartitionReport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Runs a {@link ScaleOutJob} as a Spark job: one task per partition; results stream back to the driver as tasks
 * finish and are merged in partition order (a later partition that finishes first waits in a small buffer); each
 * merged partition's shards are committed right then, for the attempt whose result was merged. Spark accepts one
 * successful attempt per partition, so a retried or speculative duplicate is neither merged nor committed.
 *
 * <p>The SparkContext is the active one (a host application's) when the job names no master, else one made for the job's
 * master ({@code local[4]} embedded, or spark-submit's master passed on by the command) and stopped at the end. Registered for
 * {@link java.util.ServiceLoader} in {@code META-INF/services/io.llamasae.scaleout.ScaleOut}.
 */
public final class SparkScaleOut implements ScaleOut {

    @Override
    public <E extends AutoCloseable, R extends Serializable> ScaleOutResult<R> run(ScaleOutJob<E, R> job) throws Exception {
        SparkConf conf = sparkConf(job);
        boolean local = inProcess(conf.get("spark.master"));
        if (local && "exit".equals(job.conf().get(FaultInjection.HOW))) {
            throw new IllegalArgumentException(FaultInjection.HOW + "=exit halts the executor JVM, which in local mode is the driver: "
                    + "use local-cluster[N,cores,MB] or a cluster");
        }
        SparkContext sc = SparkContext.getOrCreate(conf);
        try {
            return runOn(sc, job);
        } finally {
            if (job.master() != null) {
                sc.stop();   // the job named its master: the context is this command's (with spark-submit too)
            }
            if (local) {
                EngineCache.closeIdle();   // the executors were this JVM: free their engines
            }
        }
    }

    /** True for {@code local}, {@code local[N]}, {@code local[N,F]}, {@code local[*]}: executors inside this JVM. */
    static boolean inProcess(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    static SparkConf sparkConf(ScaleOutJob<?, ?> job) {
        SparkConf conf = new SparkConf();  // picks up spark.* system properties (spark-submit sets them)
        if (job.master() != null) {
            conf.setMaster(job.master());
        }
        if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("--spark: expected a master URL (local[4], spark://host:7077, yarn, k8s://...) or a run "
                    + "under spark-submit, but found neither");
        }
        conf.setIfMissing("spark.app.name", "llama-sae");
        if (conf.get("spark.master").startsWith("local")) {   // local and local-cluster: everything on this machine
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.ui.showConsoleProgress", "false");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");   // in-process executors: loopback only
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
        }
        // Results are merged as they arrive, so the driver never holds all of them; a whole-job cap on their total
        // size (Spark's default 1g) would only stop long sweeps whose per-partition statistics are tens of MB.
        conf.setIfMissing("spark.driver.maxResultSize", "0");
        job.conf().forEach((k, v) -> {
            if (!k.startsWith(FaultInjection.PREFIX)) conf.set(k, v);
        });
        return conf;
    }

    private <E extends AutoCloseable, R extends Serializable> ScaleOutResult<R> runOn(SparkContext sc, ScaleOutJob<E, R> job)
            throws Exception {
        long t0 = System.nanoTime();
        List<PartitionInput> parts = job.partitions();
        int n = parts.size();
        ShardCommitter committer = job.output() == null ? null : new ShardCommitter(job.output(), sc.hadoopConfiguration());
        SimpleFutureAction<BoxedUnit> future = null;
        try {
            if (committer != null) committer.prepare();
            job.conf().forEach((k, v) -> {
                if (k.startsWith(FaultInjection.PREFIX)) sc.setLocalProperty(k, v);
            });
            RDD<PartitionInput> rdd = new JavaSparkContext(sc).parallelize(parts, n).rdd();   // element i -> partition i
            PartitionTask<E, R> task = new PartitionTask<>(job.runner(), job.backend(), job.output(),
                    new SerializableHadoopConf(sc.hadoopConfiguration()));
            BlockingQueue<TaskOutcome> arrived = new LinkedBlockingQueue<>();
            List<Object> all = new ArrayList<>();
            for (int i = 0; i < n; i++) all.add(i);
            future = sc.submitJob(rdd, task, (scala.collection.immutable.Seq) CollectionConverters.asScala(all).toSeq(),
                    new Enqueue(arrived), new Done());

            Map<Integer, TaskOutcome> waiting = new HashMap<>();
            Map<Integer, List<String>> committed = new TreeMap<>();
            List<PartitionReport> reports = new ArrayList<>();
            PartitionRunner<E, R> runner = job.runner();
            R merged = null;
            double mergeSeconds = 0;
            int next = 0;
            while (next < n) {
                TaskOutcome o = arrived.poll(200, TimeUnit.MILLISECONDS);   // sleeps; wakes on a result or to check the job
                if (o == null) {
                    if (future.isCompleted()) {
                        future.value().get().get();   // rethrows the job's failure
                        if (arrived.isEmpty()) throw new IllegalStateException("Spark job ended with partition " + next + " missing");
                    }
                    continue;
                }
                waiting.put(o.partition(), o);
                while (waiting.containsKey(next)) {
                    TaskOutcome ready = waiting.remove(next);
                    long m0 = System.nanoTime();
                    List<String> files = committer == null || ready.attemptDir() == null ? List.of()
                            : committer.commit(ready.attemptDir(), ready.shardFiles());
                    committed.put(next, files);
                    @SuppressWarnings("unchecked")
                    R r = (R) deserialize(ready.result());
                    merged = merged == null ? r : runner.merge(merged, r);
                    mergeSeconds += (System.nanoTime() - m0) / 1e9;
                    reports.add(new PartitionReport(next, parts.get(next).size(), ready.attempt(), ready.device(), ready.seconds(),
                            ready.cpuSeconds(), ready.result().length, files));
                    next++;
                }
            }
            future.value();   // the job finished: every partition merged
            String manifest = committer == null ? null : committer.finish(parts, committed, job.metadata());
            return new ScaleOutResult<>(merged, List.copyOf(reports), manifest, (System.nanoTime() - t0) / 1e9, mergeSeconds);
        } catch (Exception e) {   // Scala rethrows the job's SparkException unchecked
            if (committer != null) {
                awaitTasksEnded(sc, future);   // a task still running would upload into _temporary after the cleanup
                committer.abort();
            }
            throw e instanceof SparkException se ? unwrap(se) : e;
        } catch (Error e) {
            if (committer != null) committer.abort();
            throw e;
        } finally {
            if (committer != null) committer.close();
            job.conf().keySet().forEach(k -> {
                if (k.startsWith(FaultInjection.PREFIX)) sc.setLocalProperty(k, null);
            });
        }
    }

    /**
     * After a failed job, Spark has given up on the tasks still running but cannot interrupt native code: waits (up to
     * a minute, sleeping) until the job's stages report no active task.
     */
    private static void awaitTasksEnded(SparkContext sc, SimpleFutureAction<BoxedUnit> future) throws InterruptedException {
        if (future == null) return;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        var tracker = sc.statusTracker();
        while (System.nanoTime() < deadline) {
            int active = 0;
            for (Object id : CollectionConverters.asJava(future.jobIds())) {
                var job = tracker.getJobInfo((Integer) id);
                if (job.isEmpty()) continue;
                for (int stage : job.get().stageIds()) {
                    var info = tracker.getStageInfo(stage);
                    if (info.isDefined()) active += info.get().numActiveTasks();
                }
            }
            if (active == 0) return;
            Thread.sleep(100);
        }
    }

    /** A task failure that is bad input (a missing file, a prompt longer than the context) keeps its one-line message. */
    static Exception unwrap(SparkException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof io.llamasae.engine.LlamaSaeException) {
                return new IllegalArgumentException(t.getMessage(), e);
            }
        }
        return e;
    }

    static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ContextClassLoaderInput(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    /** Resolves classes through the thread's context class loader (where spark-submit puts the application jar). */
    private static final class ContextClassLoaderInput extends ObjectInputStream {
        ContextClassLoaderInput(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            ClassLoader cl = Thread.currentThread().getContextClassLoader();
            if (cl == null) return super.resolveClass(desc);
            try {
                return Class.forName(desc.getName(), false, cl);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }

    /** Driver callback (Spark's event loop): hands each partition's outcome to the merging thread. */
    private static final class Enqueue extends AbstractFunction2<Object, TaskOutcome, BoxedUnit> implements Serializable {
        private final transient BlockingQueue<TaskOutcome> queue;

        Enqueue(BlockingQueue<TaskOutcome> queue) {
            this.queue = queue;
        }

        @Override
        public BoxedUnit apply(Object index, TaskOutcome outcome) {
            queue.add(outcome);
            return BoxedUnit.UNIT;
        }
    }

    private static final class Done extends AbstractFunction0<BoxedUnit> implements Serializable {
        @Override
        public BoxedUnit apply() {
            return BoxedUnit.UNIT;
        }
    }
}
