package io.llamasae.sae.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.sae.Encoders;
import io.llamasae.sae.JavaEncoder;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLensWriter;
import io.llamasae.sae.SaeMetrics;
import io.llamasae.sae.SparseCodes;
import io.llamasae.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Trains Top-K SAEs with the AuxK dead-latent loss (see {@link TrainableTopKSae} for the model and
 * loss) on rows streamed from an {@link ActivationSource} in chunks, never holding the data set.
 *
 * <p>A grid (several {@link TrainConfig}s, e.g. K × dictionary size) is trained from one pass over
 * the data per epoch: each batch is read once and fed to every model; models step in parallel
 * (one thread per model, at most one per core). Each model's arithmetic is single-threaded and
 * its random streams depend only on its config, so results are deterministic for a fixed seed
 * whatever the grid or thread count.
 *
 * <p>Per epoch: chunks of {@code chunkRows} rows are visited in a seeded random order and the rows
 * of each chunk shuffled; batches are consecutive rows of the shuffled chunk.
 */
public final class TopKSaeTrainer {
    /** Rows used for the geometric-median initialisation of b_dec. */
    public static final int MEDIAN_SAMPLE_ROWS = 4096;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TopKSaeTrainer() {
    }

    /** Trains one model on in-memory rows {@code x: [n, d]}. */
    public static TrainResult train(float[] x, int n, int d, TrainConfig cfg) throws IOException {
        return train(new InMemoryActivations(x, n, d), cfg);
    }

    /** Trains one model on a streamed source. */
    public static TrainResult train(ActivationSource src, TrainConfig cfg) throws IOException {
        return trainGrid(src, List.of(cfg), s -> { }).get(0);
    }

    /**
     * Trains every config from the same pass over {@code src}. All configs must share batchSize,
     * epochs, seed and chunkRows (they define the data order); they may differ in k, latents,
     * activation, lr, Adam and AuxK settings and b_dec init. {@code progress} receives one line
     * per epoch.
     */
    public static List<TrainResult> trainGrid(ActivationSource src, List<TrainConfig> configs,
                                              Consumer<String> progress) throws IOException {
        return trainGrid(src, configs, java.util.Collections.nCopies(configs.size(), null), progress);
    }

    /**
     * Same, starting model i from {@code initial.get(i)} when it is not null (resume or fine-tune;
     * its d, F and activation must match the config) instead of a fresh initialisation.
     */
    public static List<TrainResult> trainGrid(ActivationSource src, List<TrainConfig> configs, List<Sae> initial,
                                              Consumer<String> progress) throws IOException {
        if (initial.size() != configs.size()) {
            throw new IllegalArgumentException("grid: expected one initial SAE (or null) per config but found "
                    + initial.size() + " for " + configs.size() + " configs");
        }
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("grid: expected at least one config but found none");
        }
        TrainConfig first = configs.get(0);
        for (TrainConfig c : configs) {
            if (c.batchSize() != first.batchSize() || c.epochs() != first.epochs() || c.seed() != first.seed()
                    || c.chunkRows() != first.chunkRows()) {
                throw new IllegalArgumentException("grid: expected every config to share batch size, epochs, seed "
                        + "and chunk rows (" + first.batchSize() + ", " + first.epochs() + ", " + first.seed() + ", "
                        + first.chunkRows() + ") but found " + c.batchSize() + ", " + c.epochs() + ", " + c.seed()
                        + ", " + c.chunkRows());
            }
        }
        long startNs = System.nanoTime();
        int d = src.dim();
        long rows = src.rows();
        int chunkRows = (int) Math.min(first.chunkRows(), rows);
        float[] chunk = new float[Math.multiplyExact(chunkRows, d)];

        // Pass 0: per-dimension mean and total variance (Welford), for b_dec init and the loss scale.
        DataStats stats = dataStats(src, chunkRows, chunk);
        double meanRowVariance = stats.totalVariance / rows;
        if (!(meanRowVariance > 0) || !Double.isFinite(meanRowVariance)) {
            throw new IllegalArgumentException(src.describe() + ": expected rows with nonzero finite variance but "
                    + "found mean per-row variance " + meanRowVariance);
        }
        float[] median = null;
        if (configs.stream().anyMatch(c -> c.bDecInit() == BDecInit.GEOMETRIC_MEDIAN)) {
            int m = (int) Math.min(rows, MEDIAN_SAMPLE_ROWS);
            float[] sample = new float[m * d];
            src.read(0, m, sample);
            median = GeometricMedian.of(sample, m, d, 200);
        }
        List<TrainableTopKSae> models = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            TrainConfig c = configs.get(i);
            TrainableTopKSae m = new TrainableTopKSae(c, d, rows, c.bDecInit() == BDecInit.MEAN ? stats.mean : median);
            if (initial.get(i) != null) {
                m.loadFrom(initial.get(i));
            }
            models.add(m);
        }
        List<List<EpochMetrics>> history = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            history.add(new ArrayList<>());
        }
        int threads = Math.min(models.size(), Runtime.getRuntime().availableProcessors());
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sae-train");
            t.setDaemon(true);
            return t;
        }) : null;
        try {
            int numChunks = (int) ((rows + chunkRows - 1) / chunkRows);
            int batch = first.batchSize();
            float[] batchRows = new float[Math.multiplyExact(batch, d)];
            for (int epoch = 1; epoch <= first.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                Random rng = new Random(first.seed() * 1_000_003L + epoch);
                int[] chunkOrder = permutation(numChunks, rng);
                models.forEach(TrainableTopKSae::startEpoch);
                for (int ci : chunkOrder) {
                    long firstRow = (long) ci * chunkRows;
                    int count = (int) Math.min(chunkRows, rows - firstRow);
                    src.read(firstRow, count, chunk);
                    int[] order = permutation(count, rng);
                    for (int s = 0; s < count; s += batch) {
                        int b = Math.min(batch, count - s);
                        for (int r = 0; r < b; r++) {
                            System.arraycopy(chunk, order[s + r] * d, batchRows, r * d, d);
                        }
                        runAll(pool, models, m -> m.step(batchRows, b, meanRowVariance));
                    }
                }
                double secs = (System.nanoTime() - epochStart) / 1e9;
                for (int i = 0; i < models.size(); i++) {
                    TrainableTopKSae m = models.get(i);
                    MetricsSummary s = m.epochMetrics.summary();
                    EpochMetrics em = new EpochMetrics(epoch, s.mse(), s.explainedVariance(), s.meanCosine(), s.l0(),
                            s.deadFraction(), m.epochSteps == 0 ? 0 : (double) m.epochAuxSteps / m.epochSteps, secs);
                    history.get(i).add(em);
                    progress.accept(String.format("epoch %d/%d k=%d F=%d: mse=%.5g ev=%.4f l0=%.1f dead=%.3f (%.2fs)",
                            epoch, first.epochs(), m.cfg.k(), m.cfg.latents(), em.mse(), em.explainedVariance(),
                            em.l0(), em.deadFraction(), secs));
                }
            }
            // Final pass: metrics of the final canonical weights over the whole data set.
            List<Sae> saes = new ArrayList<>();
            List<SaeMetrics> finals = new ArrayList<>();
            for (TrainableTopKSae m : models) {
                saes.add(m.toSae());
                finals.add(new SaeMetrics(d, m.nl));
            }
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                idx.add(i);
            }
            for (long firstRow = 0; firstRow < rows; firstRow += chunkRows) {
                int count = (int) Math.min(chunkRows, rows - firstRow);
                src.read(firstRow, count, chunk);
                runAll(pool, idx, i -> evaluate(saes.get(i), chunk, count, finals.get(i)));
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            List<TrainResult> results = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                TrainConfig resolved = models.get(i).cfg.toBuilder()
                        .lr(models.get(i).cfg.effectiveLr())
                        .auxK(Math.min(models.get(i).cfg.effectiveAuxK(d), models.get(i).nl))
                        .deadTokens(models.get(i).cfg.effectiveDeadTokens(rows)).build();
                results.add(new TrainResult(resolved, saes.get(i), List.copyOf(history.get(i)),
                        finals.get(i).summary(), seconds));
            }
            return results;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** Metrics of {@code sae} over every row of {@code src} (read in chunks): held-out rows, another data set. */
    public static MetricsSummary evaluate(Sae sae, ActivationSource src) throws IOException {
        if (src.dim() != sae.d()) {
            throw new IllegalArgumentException(src.describe() + ": expected rows of the SAE's width " + sae.d() + " but found " + src.dim());
        }
        SaeMetrics m = new SaeMetrics(sae.d(), sae.numLatents());
        int chunkRows = (int) Math.max(1, Math.min(4096, src.rows()));
        float[] chunk = new float[Math.multiplyExact(chunkRows, src.dim())];
        for (long first = 0; first < src.rows(); first += chunkRows) {
            int count = (int) Math.min(chunkRows, src.rows() - first);
            src.read(first, count, chunk);
            evaluate(sae, chunk, count, m);
        }
        return m.summary();
    }

    private static void evaluate(Sae sae, float[] x, int n, SaeMetrics into) {
        SparseCodes codes = Encoders.defaultEncoder().encode(sae, x, n, sae.defaultK());
        float[] xHat = JavaEncoder.decode(sae, codes);
        into.add(x, xHat, codes);
    }

    private record DataStats(float[] mean, double totalVariance) {
    }

    private static DataStats dataStats(ActivationSource src, int chunkRows, float[] chunk) throws IOException {
        int d = src.dim();
        double[] mean = new double[d];
        double[] m2 = new double[d];
        long n = 0;
        for (long firstRow = 0; firstRow < src.rows(); firstRow += chunkRows) {
            int count = (int) Math.min(chunkRows, src.rows() - firstRow);
            src.read(firstRow, count, chunk);
            for (int r = 0; r < count; r++) {
                n++;
                for (int i = 0; i < d; i++) {
                    double x = chunk[r * d + i];
                    if (!Double.isFinite(x)) {
                        throw new IllegalArgumentException(src.describe() + ": expected finite activations but found "
                                + x + " at row " + (firstRow + r) + ", column " + i);
                    }
                    double delta = x - mean[i];
                    mean[i] += delta / n;
                    m2[i] += delta * (x - mean[i]);
                }
            }
        }
        float[] meanF = new float[d];
        double tv = 0;
        for (int i = 0; i < d; i++) {
            meanF[i] = (float) mean[i];
            tv += m2[i];
        }
        return new DataStats(meanF, tv);
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private interface Work<T> {
        void run(T item);
    }

    private static <T> void runAll(ExecutorService pool, List<T> items, Work<T> work) throws IOException {
        if (pool == null) {
            items.forEach(work::run);
            return;
        }
        List<Callable<Void>> tasks = new ArrayList<>();
        for (T item : items) {
            tasks.add(() -> {
                work.run(item);
                return null;
            });
        }
        try {
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("training interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    /**
     * Writes one model to {@code dir}: SAELens files (cfg.json with architecture "topk" and k,
     * plus {@code extraCfg}) and {@code metrics.json} (resolved config, per-epoch and final
     * metrics), each atomically.
     */
    public static void writeResult(TrainResult r, Path dir, Map<String, ?> extraCfg) throws IOException {
        Files.createDirectories(dir);
        SaeLensWriter.write(r.sae(), dir, extraCfg);
        AtomicFiles.writeBytes(dir.resolve("metrics.json"), JSON.writeValueAsBytes(metricsJson(r)));
    }

    /** Writes a grid summary (one entry per model: subfolder, config, final metrics) to {@code file}. */
    public static void writeGridSummary(List<TrainResult> results, List<String> subdirs, Path file) throws IOException {
        ArrayNode arr = JSON.createArrayNode();
        for (int i = 0; i < results.size(); i++) {
            ObjectNode o = metricsJson(results.get(i));
            o.remove("epochs");
            o.put("dir", subdirs.get(i));
            arr.add(o);
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("models", arr);
        AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(root));
    }

    private static ObjectNode metricsJson(TrainResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.set("config", JSON.valueToTree(r.config()));
        o.set("epochs", JSON.valueToTree(r.epochs()));
        o.set("final", JSON.valueToTree(r.finalMetrics()));
        o.put("seconds", r.seconds());
        return o;
    }
}
