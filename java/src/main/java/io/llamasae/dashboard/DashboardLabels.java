package io.llamasae.dashboard;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Sample;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Labels of every live feature in both modes, computed by the study pipeline itself
 * ({@link StudyAnalysis} with one rank band covering the whole dictionary), so a dashboard label is
 * the report's rule applied to the same top samples. In sound mode the Benjamini–Hochberg family is
 * every live feature of the layer (the report's family is its rank bands), so a borderline q-value
 * can differ from the report's.
 */
public final class DashboardLabels {
    private DashboardLabels() {}

    /** Per mode, feature id → its analysis (dead features have none). */
    public record Labels(Map<Integer, FeatureAnalysis> sound, Map<Integer, FeatureAnalysis> seed) {
        public FeatureAnalysis get(AnalysisMode mode, int feature) {
            return (mode == AnalysisMode.SEED ? seed : sound).get(feature);
        }
    }

    public static Labels compute(FeatureStatistics stats, List<Sample> samples, StudyConfig cfg) {
        return new Labels(run(stats, samples, cfg, AnalysisMode.SOUND), run(stats, samples, cfg, AnalysisMode.SEED));
    }

    private static Map<Integer, FeatureAnalysis> run(FeatureStatistics stats, List<Sample> samples, StudyConfig c, AnalysisMode mode) {
        StudyResult r = StudyAnalysis.everyFeature(stats, samples, c, mode);
        Map<Integer, FeatureAnalysis> out = new HashMap<>();
        for (FeatureAnalysis f : r.bands().get(0).features()) out.put(f.featureId(), f);
        return out;
    }
}
