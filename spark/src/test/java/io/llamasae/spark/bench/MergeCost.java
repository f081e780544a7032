package io.llamasae.spark.bench;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.sae.SaeMetrics;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.RowBlock;
import io.llamasae.sweep.SweepResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The driver's cost per partition: deserialize one partition's {@link SweepResult} and merge it into the running
 * total, for a sweep's shape (layers × latents, top-N heaps full, i.e. the worst case). Prints the serialized size and
 * the median time per partition.
 *
 * <pre>java -cp spark/target/test-classes:spark/target/llama-sae-spark.jar:$(cat spark/target/spark-runtime.classpath) \
 *     io.llamasae.spark.bench.MergeCost LAYERS LATENTS D TOPN [REPS]</pre>
 */
public final class MergeCost {
    private MergeCost() {}

    public static void main(String[] args) throws Exception {
        int layers = Integer.parseInt(args[0]);
        int latents = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        int topN = Integer.parseInt(args[3]);
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        byte[][] partitions = new byte[reps + 1][];
        for (int p = 0; p <= reps; p++) {
            partitions[p] = serialize(partition(layers, latents, d, topN, p));
        }
        SweepResult total = (SweepResult) deserialize(partitions[0]);
        double[] seconds = new double[reps];
        double[] deser = new double[reps];
        for (int p = 1; p <= reps; p++) {
            long t0 = System.nanoTime();
            SweepResult next = (SweepResult) deserialize(partitions[p]);
            long t1 = System.nanoTime();
            total.merge(next);
            long t2 = System.nanoTime();
            seconds[p - 1] = (t2 - t0) / 1e9;
            deser[p - 1] = (t1 - t0) / 1e9;
        }
        Arrays.sort(seconds);
        Arrays.sort(deser);
        System.out.printf("layers=%d latents=%d d=%d topN=%d: result %.1f MB per partition; driver per partition: %.3f s median "
                        + "(deserialize %.3f s), min %.3f, max %.3f over %d partitions%n",
                layers, latents, d, topN, partitions[1].length / 1e6, seconds[reps / 2], deser[reps / 2], seconds[0], seconds[reps - 1], reps);
    }

    /** Statistics of one partition in which every latent fired often enough to fill its top-N heap (the worst case). */
    static SweepResult partition(int layers, int latents, int d, int topN, int seed) {
        Random rng = new Random(seed);
        int k = 64;
        int rows = Math.max(topN * latents / k + 1, 1);
        Map<PassResult.Key, FeatureStatistics> stats = new LinkedHashMap<>();
        Map<PassResult.Key, SaeMetrics> metrics = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) {
            FeatureStatistics f = new FeatureStatistics(latents, topN);
            SaeMetrics m = new SaeMetrics(d, latents);
            int chunk = 1024;
            int[] idx = new int[chunk * k];
            float[] val = new float[chunk * k];
            int[] sample = new int[chunk];
            float[] x = new float[d];
            int[] rowIdx = new int[k];
            float[] rowVal = new float[k];
            for (int start = 0; start < rows; start += chunk) {
                int n = Math.min(chunk, rows - start);
                for (int r = 0; r < n; r++) {
                    sample[r] = seed * 10_000_000 + start + r;
                    int base = rng.nextInt(latents);
                    for (int j = 0; j < k; j++) {
                        idx[r * k + j] = (base + j * (latents / k)) % latents;   // k distinct latents per row
                        val[r * k + j] = (float) Math.abs(rng.nextGaussian()) + 1e-3f;
                    }
                }
                f.accumulate(Arrays.copyOf(idx, n * k), Arrays.copyOf(val, n * k), n, k, Arrays.copyOf(sample, n), null);
            }
            for (int r = 0; r < 256; r++) {   // metrics: their size does not depend on the row count
                for (int i = 0; i < d; i++) x[i] = (float) rng.nextGaussian();
                for (int j = 0; j < k; j++) {
                    rowIdx[j] = j;
                    rowVal[j] = 1f;
                }
                m.addRow(x, 0, x, 0, rowIdx, rowVal, 0, k);
            }
            stats.put(new PassResult.Key(l, RowBlock.position(-1)), f);
            metrics.put(new PassResult.Key(l, RowBlock.position(-1)), m);
        }
        return new SweepResult(PassResult.of(stats, metrics, rows), null);
    }

    static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    static Object deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }
}
