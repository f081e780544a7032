package io.llamasae.engine;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.sae.SaeMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mergeable results of a {@link Pass}: feature statistics and SAE metrics per (layer, row block),
 * accumulated from the engine's per-run statistics with exact sums, so results of partitions of a
 * dataset merge ({@link #merge}) into exactly the result of one pass over all of it. Serializable:
 * partition results travel to the process that merges them (Spark), and resumable runs checkpoint
 * them.
 */
public final class PassResult implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** A (llama.cpp block, row block) pair: one analysed (layer, position). */
    public record Key(int block, RowBlock rows) implements java.io.Serializable {}

    private final Map<Key, FeatureStatistics> statistics = new LinkedHashMap<>();
    private final Map<Key, SaeMetrics> metrics = new LinkedHashMap<>();
    private long prompts;

    /** Empty results for what {@code spec} computes. */
    public PassResult(PassSpec spec) {
        boolean stats = spec.outputs().contains(PassOutput.STATISTICS);
        boolean mets = spec.outputs().contains(PassOutput.METRICS);
        for (int block : spec.capture().layers()) {
            NativeSae sae = spec.saes().get(block);
            if (sae == null) continue;
            for (RowBlock rb : RowBlock.of(spec.capture())) {
                Key key = new Key(block, rb);
                if (stats) statistics.put(key, new FeatureStatistics(sae.sae().numLatents(), spec.topN()));
                if (mets) metrics.put(key, new SaeMetrics(sae.sae().d(), sae.sae().numLatents()));
            }
        }
    }

    private PassResult() {}

    /**
     * Results accumulated elsewhere (benchmarks and tests that build statistics without a pass): the same keys in
     * both maps, in the order given.
     */
    public static PassResult of(Map<Key, FeatureStatistics> statistics, Map<Key, SaeMetrics> metrics, long prompts) {
        PassResult r = new PassResult();
        r.statistics.putAll(statistics);
        r.metrics.putAll(metrics);
        r.prompts = prompts;
        return r;
    }

    /** Feature statistics of one (layer, row block) ({@link PassOutput#STATISTICS}). */
    public FeatureStatistics statistics(int block, RowBlock rows) {
        FeatureStatistics s = statistics.get(new Key(block, rows));
        if (s == null) throw new IllegalArgumentException("no statistics for block " + block + " " + rows + " (have " + statistics.keySet() + ")");
        return s;
    }

    /** SAE metrics of one (layer, row block) ({@link PassOutput#METRICS}). */
    public SaeMetrics metrics(int block, RowBlock rows) {
        SaeMetrics m = metrics.get(new Key(block, rows));
        if (m == null) throw new IllegalArgumentException("no metrics for block " + block + " " + rows + " (have " + metrics.keySet() + ")");
        return m;
    }

    /** The (layer, row block) pairs with statistics or metrics, in capture order. */
    public List<Key> keys() {
        List<Key> out = new ArrayList<>(statistics.keySet());
        for (Key k : metrics.keySet()) if (!out.contains(k)) out.add(k);
        return Collections.unmodifiableList(out);
    }

    /** Prompts whose statistics are in here. */
    public long prompts() {
        return prompts;
    }

    /** Adds another pass's results over other prompts (same spec); exact, so the order of merging does not matter. */
    public PassResult merge(PassResult other) {
        if (!statistics.keySet().equals(other.statistics.keySet()) || !metrics.keySet().equals(other.metrics.keySet())) {
            throw new IllegalArgumentException("merge: results of different specs (" + keys() + " vs " + other.keys() + ")");
        }
        statistics.forEach((k, s) -> s.merge(other.statistics.get(k)));
        metrics.forEach((k, m) -> m.merge(other.metrics.get(k)));
        prompts += other.prompts;
        return this;
    }

    /** Adds one run's statistics (computed in the forward pass) of the spec's layers. */
    void absorb(RunResult r, CaptureSpec capture, int sampleBase) {
        for (int slot = 0; slot < capture.layers().size(); slot++) {
            int block = capture.layers().get(slot);
            for (int b = 0; b < r.nBlocks(); b++) {
                Key key = new Key(block, r.block(b));
                FeatureStatistics s = statistics.get(key);
                if (s != null) r.mergeStatistics(slot, b, s, sampleBase);
                SaeMetrics m = metrics.get(key);
                if (m != null) r.mergeMetrics(slot, b, m);
            }
        }
        prompts += r.nPrompts();
    }
}
