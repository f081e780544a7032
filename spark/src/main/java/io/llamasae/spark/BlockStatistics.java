package io.llamasae.spark;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.sae.SaeMetrics;
import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Feature statistics and SAE metrics per block (ascending), the mergeable result of {@link HookedStatsRunner}. Both
 * accumulators merge exactly, so partitions merged in any order equal one pass over the whole dataset.
 */
public final class BlockStatistics implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TreeMap<Integer, FeatureStatistics> features = new TreeMap<>();
    private final TreeMap<Integer, SaeMetrics> metrics = new TreeMap<>();

    /** Adds one block's accumulators (each block once). */
    public BlockStatistics put(int block, FeatureStatistics f, SaeMetrics m) {
        if (features.containsKey(block)) {
            throw new IllegalArgumentException("block " + block + " is already present");
        }
        features.put(block, f);
        metrics.put(block, m);
        return this;
    }

    public Map<Integer, FeatureStatistics> features() {
        return Collections.unmodifiableMap(features);
    }

    public Map<Integer, SaeMetrics> metrics() {
        return Collections.unmodifiableMap(metrics);
    }

    /** Folds {@code other} (the same blocks) into this; returns this. */
    public BlockStatistics merge(BlockStatistics other) {
        if (!other.features.keySet().equals(features.keySet())) {
            throw new IllegalArgumentException("merge: expected blocks " + features.keySet() + " but found " + other.features.keySet());
        }
        for (int b : features.keySet()) {
            features.get(b).merge(other.features.get(b));
            metrics.get(b).merge(other.metrics.get(b));
        }
        return this;
    }
}
