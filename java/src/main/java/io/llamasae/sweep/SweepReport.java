package io.llamasae.sweep;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.RankBand;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Sample;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.RowBlock;
import io.llamasae.report.FeatureStatsJson;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.report.TokenContexts;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SplicedLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a sweep's per-(layer, position) outputs: in {@code layer{L}_pos{P}/} the very files {@code analyze} writes
 * for that layer and position ({@code activation_analysis_layer{L}_pos{P}_rank*.json}, {@code feature_labels_...},
 * {@code sae_metrics_...}, the Markdown report and its plots) plus {@code stats_layer{L}_pos{P}.json} (every feature's
 * statistics), and returns one {@link SweepEntry} per (layer, position) for the summary.
 */
public final class SweepReport {
    private SweepReport() {}

    /** What the reports say about their inputs, and how they are analysed. */
    public record Settings(AnalysisMode mode, List<RankBand> bands, LayerConvention convention, String modelDescription,
                           String datasetDescription, boolean plots, String analysisDate) {}

    /** The folder of one (layer, position) under a sweep's output. */
    public static String layerDir(int layer, int position) {
        return "layer" + layer + "_pos" + position;
    }

    /** The study configuration {@code analyze} uses for this (layer, position): the sweep's files are the same. */
    public static StudyConfig studyConfig(Settings s, int layer, int position, Sae sae) {
        StudyConfig.Builder b = StudyConfig.builder().layer(layer)
                .layerConvention(s.convention() == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block").position(position)
                .bands(s.bands()).mode(s.mode()).saeDescription("K=" + sae.defaultK() + ", d=" + sae.numLatents())
                .modelDescription(s.modelDescription()).datasetDescription(s.datasetDescription());
        if (s.analysisDate() != null) b.analysisDate(s.analysisDate());
        return b.build();
    }

    /**
     * Writes every (layer, position) of {@code result} into {@code dir}.
     *
     * @param saes     block → the SAE (its k and width name the configuration)
     * @param contexts per (layer, position) folder: the report's token contexts and dashboard link
     */
    public static List<SweepEntry> write(Path dir, SweepResult result, SweepSpec spec, Map<Integer, Sae> saes, List<Sample> samples,
                                         Settings settings, Function<Path, TokenContexts> contexts) throws IOException {
        List<SweepEntry> entries = new ArrayList<>();
        List<String> ids = samples.stream().map(Sample::id).toList();
        for (int block : spec.blocks()) {
            int layer = spec.layerNames().get(block);
            Sae sae = saes.get(block);
            SplicedLoss.Summary splice = result.splice() == null ? null : result.splice().summary(block);
            for (int position : spec.positions()) {
                Path layerDir = Files.createDirectories(dir.resolve(layerDir(layer, position)));
                RowBlock at = RowBlock.position(position);
                FeatureStatistics stats = result.pass().statistics(block, at);
                StudyConfig cfg = studyConfig(settings, layer, position, sae);
                StudyResult study = StudyAnalysis.run(stats, samples, cfg);
                StudyReportWriter.write(layerDir, List.of(study), settings.plots(), contexts.apply(layerDir));
                var metrics = result.pass().metrics(block, at).summary();
                FeatureStatsJson.writeMetrics(layerDir, layer, position, metrics, splice);
                FeatureStatsJson.writeStats(layerDir, layer, block, settings.convention().label(), position, stats, ids,
                        cfg.storedTopSamples());
                entries.add(new SweepEntry(layer, block, position, sae.defaultK(), sae.numLatents(), metrics, splice, study,
                        StudyAnalysis.everyFeature(stats, samples, cfg, cfg.mode())));
            }
        }
        return entries;
    }

}
