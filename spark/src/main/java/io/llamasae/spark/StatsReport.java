package io.llamasae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.FeatureSummary;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.analysis.Ranking;
import io.llamasae.analysis.TopSample;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.SaeMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link BlockStatistics} as one JSON file per block, {@code stats_layer{L}_pos{P}.json}: the SAE metrics and
 * every feature ranked by frequency with its summary and top samples. Doubles are written in Java's shortest
 * round-trip form, so equal files mean bit-identical numbers.
 */
public final class StatsReport {
    private StatsReport() {}

    /** The file name of one block's statistics. */
    public static String fileName(int layer, int position) {
        return "stats_layer" + layer + "_pos" + position + ".json";
    }

    /** Writes one file per block into {@code dir}; returns them. {@code sampleIds.get(i)} names sample i. */
    public static List<Path> write(Path dir, BlockStatistics stats, Map<Integer, Integer> layerNames, String convention, int position,
                                   List<String> sampleIds) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        List<Path> out = new ArrayList<>();
        for (int block : stats.features().keySet()) {
            Path file = dir.resolve(fileName(layerNames.get(block), position));
            Map<String, Object> doc = document(block, layerNames.get(block), convention, position, stats.features().get(block),
                    stats.metrics().get(block), sampleIds);
            AtomicFiles.writeBytes(file, json.writeValueAsBytes(doc));
            out.add(file);
        }
        return out;
    }

    static Map<String, Object> document(int block, int layer, String convention, int position, FeatureStatistics f, SaeMetrics m,
                                        List<String> sampleIds) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("layer", layer);
        doc.put("block", block);
        doc.put("layer_convention", convention);
        doc.put("position", position);
        doc.put("rows", f.rowCount());
        MetricsSummary s = m.summary();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rows", s.rows());
        metrics.put("explained_variance", s.explainedVariance());
        metrics.put("mse", s.mse());
        metrics.put("mean_cosine", s.meanCosine());
        metrics.put("l0", s.l0());
        metrics.put("dead_fraction", s.deadFraction());
        metrics.put("dead_latents", s.deadLatents());
        doc.put("metrics", metrics);
        List<Map<String, Object>> features = new ArrayList<>();
        for (RankedFeature r : Ranking.byFrequency(f)) {
            FeatureSummary fs = r.summary();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("rank", r.rank());
            e.put("feature", fs.featureId());
            e.put("active_count", fs.activeCount());
            e.put("activation_freq", fs.activationFreq());
            e.put("mean_magnitude", fs.meanMagnitude());
            e.put("mean_abs_when_active", fs.meanAbsWhenActive());
            e.put("mean_when_active", fs.meanWhenActive());
            e.put("max_abs", fs.maxAbs());
            List<Map<String, Object>> top = new ArrayList<>();
            for (TopSample t : f.topSamples(fs.featureId())) {
                Map<String, Object> ts = new LinkedHashMap<>();
                ts.put("sample", t.sampleIndex());
                ts.put("id", sampleIds.get(t.sampleIndex()));
                ts.put("activation", t.activation());
                top.add(ts);
            }
            e.put("top_samples", top);
            features.add(e);
        }
        doc.put("features", features);
        return doc;
    }
}
