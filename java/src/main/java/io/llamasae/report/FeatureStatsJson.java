package io.llamasae.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.FeatureSummary;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.analysis.Ranking;
import io.llamasae.analysis.TopSample;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.SplicedLoss;
import java.nio.file.Path;
import java.util.List;

/**
 * The statistics files of one (layer, position), written by {@code analyze} and {@code sweep} alike, so the two can be
 * compared file by file. Doubles are written in Java's shortest round-trip form, so equal files mean bit-identical
 * numbers; NaN (a ratio over nothing) is written as null.
 * <ul>
 *   <li>{@code sae_metrics_layer{L}_pos{P}.json}: the SAE metrics of the rows ({@code explained_variance}, {@code mse},
 *       {@code mean_cosine}, {@code l0}, {@code dead_fraction}, ...) and, when a spliced-in evaluation ran, its
 *       cross-entropies and KL divergences (per layer: the same for every position);</li>
 *   <li>{@code stats_layer{L}_pos{P}.json}: every feature ranked by frequency with its summary and its strongest
 *       samples.</li>
 * </ul>
 */
public final class FeatureStatsJson {
    private FeatureStatsJson() {}

    public static String metricsFileName(int layer, int position) {
        return "sae_metrics_layer" + layer + "_pos" + position + ".json";
    }

    public static String statsFileName(int layer, int position) {
        return "stats_layer" + layer + "_pos" + position + ".json";
    }

    /** Writes {@code sae_metrics_layer{L}_pos{P}.json} into {@code dir}; {@code splice} may be null. */
    public static Path writeMetrics(Path dir, int layer, int position, MetricsSummary m, SplicedLoss.Summary splice) {
        ObjectNode doc = StudyJson.MAPPER.createObjectNode();
        doc.put("layer", layer);
        doc.put("position", position);
        doc.set("metrics", metrics(m));
        if (splice != null) doc.set("spliced", splice(splice));
        Path file = dir.resolve(metricsFileName(layer, position));
        StudyReportWriter.writeJson(file, doc);
        return file;
    }

    /** The SAE metrics as JSON fields. */
    public static ObjectNode metrics(MetricsSummary s) {
        ObjectNode o = StudyJson.MAPPER.createObjectNode();
        o.put("rows", s.rows());
        number(o, "explained_variance", s.explainedVariance());
        number(o, "mse", s.mse());
        number(o, "mean_cosine", s.meanCosine());
        number(o, "l0", s.l0());
        number(o, "dead_fraction", s.deadFraction());
        o.put("dead_latents", s.deadLatents());
        return o;
    }

    /** The spliced-in evaluation's means as JSON fields (SAELens' names beside ours). */
    public static ObjectNode splice(SplicedLoss.Summary s) {
        ObjectNode o = StudyJson.MAPPER.createObjectNode();
        o.put("ce_tokens", s.ceTokens());
        o.put("kl_tokens", s.klTokens());
        number(o, "clean_ce_loss", s.cleanCe());
        number(o, "spliced_ce_loss", s.splicedCe());
        number(o, "zero_ablation_ce_loss", s.zeroCe());
        number(o, "ce_loss_recovered", s.ceLossRecovered());
        number(o, "spliced_kl", s.splicedKl());
        number(o, "zero_ablation_kl", s.zeroKl());
        number(o, "kl_score", s.klScore());
        return o;
    }

    /** Writes {@code stats_layer{L}_pos{P}.json}: every feature ranked, with up to {@code topSamples} samples each. */
    public static Path writeStats(Path dir, int layer, int block, String convention, int position, FeatureStatistics f,
                                  List<String> sampleIds, int topSamples) {
        ObjectNode doc = StudyJson.MAPPER.createObjectNode();
        doc.put("layer", layer);
        doc.put("block", block);
        doc.put("layer_convention", convention);
        doc.put("position", position);
        doc.put("rows", f.rowCount());
        ArrayNode features = doc.putArray("features");
        for (RankedFeature r : Ranking.byFrequency(f)) {
            FeatureSummary fs = r.summary();
            ObjectNode e = features.addObject();
            e.put("rank", r.rank());
            e.put("feature", fs.featureId());
            e.put("active_count", fs.activeCount());
            e.put("activation_freq", fs.activationFreq());
            e.put("mean_magnitude", fs.meanMagnitude());
            e.put("mean_abs_when_active", fs.meanAbsWhenActive());
            e.put("mean_when_active", fs.meanWhenActive());
            e.put("max_abs", fs.maxAbs());
            ArrayNode top = e.putArray("top_samples");
            List<TopSample> samples = f.topSamples(fs.featureId());
            for (TopSample t : samples.subList(0, Math.min(topSamples, samples.size()))) {
                ObjectNode ts = top.addObject();
                ts.put("sample", t.sampleIndex());
                ts.put("id", sampleIds.get(t.sampleIndex()));
                ts.put("activation", t.activation());
            }
        }
        Path file = dir.resolve(statsFileName(layer, position));
        StudyReportWriter.writeJson(file, doc);
        return file;
    }

    static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }
}
