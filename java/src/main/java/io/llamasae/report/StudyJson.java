package io.llamasae.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.Feasibility;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.FeatureLabel;
import io.llamasae.analysis.PatternTest;
import io.llamasae.analysis.SeedScores;
import io.llamasae.analysis.SeedThresholds;
import io.llamasae.analysis.SoundThresholds;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.analysis.SwapPair;
import io.llamasae.analysis.TopSampleView;

import java.util.List;
import java.util.Map;

/**
 * Builds the reference JSON documents. Keys and nesting follow the reference files
 * ({@code metadata}, {@code all_features}, {@code specialized_features}, {@code swap_pairs};
 * {@code metadata}, {@code features}); extra keys ({@code mode}, {@code n_samples}, {@code evidence},
 * {@code feasibility}, ...) are added beside them.
 */
public final class StudyJson {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StudyJson() {
    }

    /** {@code activation_analysis_layer{L}_pos{P}_rank{a}-{b}.json}. */
    public static String activationAnalysisFileName(StudyConfig cfg, BandResult band) {
        return "activation_analysis_layer" + cfg.layer() + "_pos" + cfg.position() + "_rank" + band.band().from() + "-"
                + band.band().to() + ".json";
    }

    /** {@code feature_labels_layer{L}_pos{P}.json}. */
    public static String featureLabelsFileName(StudyConfig cfg) {
        return "feature_labels_layer" + cfg.layer() + "_pos" + cfg.position() + ".json";
    }

    public static ObjectNode activationAnalysis(StudyResult r, BandResult band) {
        StudyConfig cfg = r.config();
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("layer", cfg.layer());
        meta.put("position", cfg.position());
        meta.put("sae_config", cfg.saeDescription());
        meta.putArray("rank_range").add(band.band().from()).add(band.band().to());
        meta.put("total_features_analyzed", band.features().size());
        meta.put("specialized_features_found", band.specialized().size());
        meta.put("swap_pairs_generated", band.swapPairs().size());
        meta.put("analysis_date", cfg.analysisDate());
        meta.put("mode", cfg.mode().label());
        meta.put("layer_convention", cfg.layerConvention());
        meta.put("n_samples", r.sampleCount());
        meta.put("num_features", r.numFeatures());
        meta.put("dead_features", r.deadFeatures());
        // ranks of the band that hold no analysed feature: dead features, or ranks beyond the dictionary
        meta.put("ranks_skipped_in_band", band.band().to() - band.band().from() + 1 - band.features().size());
        meta.set("thresholds", thresholds(cfg));
        if (cfg.mode() == AnalysisMode.SOUND) {
            meta.put("enrichment_tests_adjusted_together", r.testsRun());
        }
        ArrayNode all = root.putArray("all_features");
        for (FeatureAnalysis f : band.features()) {
            all.add(feature(f, false, cfg.mode()));
        }
        ArrayNode spec = root.putArray("specialized_features");
        for (FeatureAnalysis f : band.specialized()) {
            spec.add(feature(f, true, cfg.mode()));
        }
        ArrayNode pairs = root.putArray("swap_pairs");
        for (SwapPair p : band.swapPairs()) {
            ObjectNode n = pairs.addObject();
            n.put("feature_a", p.featureA());
            n.put("feature_b", p.featureB());
            n.put("kind", p.kind());
            n.put("description_a", p.descriptionA());
            n.put("description_b", p.descriptionB());
            n.put("active_samples_a", p.activeA());
            n.put("active_samples_b", p.activeB());
            n.set("feasibility", feasibility(p.feasibility()));
        }
        return root;
    }

    public static ObjectNode featureLabels(StudyResult r) {
        StudyConfig cfg = r.config();
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("layer", cfg.layer());
        meta.put("position", cfg.position());
        meta.put("sae_config", cfg.saeDescription());
        meta.put("num_features", r.topLabels().size());
        meta.put("analysis_date", cfg.analysisDate());
        meta.put("mode", cfg.mode().label());
        meta.put("layer_convention", cfg.layerConvention());
        meta.put("n_samples", r.sampleCount());
        ArrayNode features = root.putArray("features");
        for (FeatureLabel l : r.topLabels()) {
            ObjectNode n = features.addObject();
            n.put("rank", l.rank());
            n.put("feature_id", l.summary().featureId());
            n.put("activation_freq", l.summary().activationFreq());
            n.put("mean_magnitude", l.summary().meanMagnitude());
            ObjectNode in = n.putObject("interpretation");
            in.put("type", l.interpretation().type());
            in.put("confidence", l.interpretation().confidence());
            ArrayNode dp = in.putArray("detected_patterns");
            l.interpretation().detectedPatterns().forEach(dp::add);
            in.put("description", l.interpretation().description());
            n.set("top_samples", topSamples(l.topSamples()));
        }
        return root;
    }

    private static ObjectNode feature(FeatureAnalysis f, boolean withSamples, AnalysisMode mode) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("rank", f.rank());
        n.put("feature_id", f.featureId());
        n.put("activation_freq", f.summary().activationFreq());
        n.put("mean_magnitude", f.summary().meanMagnitude());
        ObjectNode s = n.putObject("specialization");
        s.put("type", f.type());
        s.put("description", f.description());
        s.set("scores", scores(f.scores()));
        if (mode == AnalysisMode.SOUND) {
            ArrayNode ev = s.putArray("evidence");
            List<PatternTest> shown = f.evidence().stream().filter(PatternTest::enriched).toList();
            if (shown.isEmpty() && !f.evidence().isEmpty()) {
                // a general feature: show its strongest test so the reader sees how far it was from a label
                shown = List.of(f.evidence().stream().min(io.llamasae.analysis.SoundRules.STRONGEST_FIRST).orElseThrow());
            }
            shown.stream().sorted(io.llamasae.analysis.SoundRules.STRONGEST_FIRST).forEach(t -> ev.add(test(t)));
        }
        n.put("active_samples", f.summary().activeCount());
        n.put("mean_when_active", f.summary().meanWhenActive());
        n.put("mean_abs_when_active", f.summary().meanAbsWhenActive());
        n.put("max_abs_activation", f.summary().maxAbs());
        if (withSamples) {
            n.set("top_samples", topSamples(f.topSamples()));
            n.set("feasibility", feasibility(f.feasibility()));
        }
        return n;
    }

    static ObjectNode scores(SeedScores sc) {
        ObjectNode s = MAPPER.createObjectNode();
        ObjectNode ops = s.putObject("operations");
        for (Map.Entry<String, Double> e : sc.operations().entrySet()) {
            ops.put(e.getKey(), e.getValue());
        }
        ObjectNode vals = s.putObject("values");
        for (Map.Entry<String, Integer> e : sc.values().entrySet()) {
            vals.put(e.getKey(), e.getValue());
        }
        s.put("total_samples", sc.totalSamples());
        return s;
    }

    private static ObjectNode test(PatternTest t) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("pattern", t.pattern().key());
        n.put("kind", t.pattern().kind().name().toLowerCase(java.util.Locale.ROOT));
        n.put("k", t.k());
        n.put("n", t.n());
        n.put("dataset_count", t.K());
        n.put("dataset_size", t.N());
        n.put("share", t.share());
        n.put("base_rate", t.baseRate());
        n.put("lift", t.lift());
        n.put("p_value", t.pValue());
        n.put("q_value", t.qValue());
        n.put("enriched", t.enriched());
        return n;
    }

    private static ArrayNode topSamples(List<TopSampleView> samples) {
        ArrayNode a = MAPPER.createArrayNode();
        for (TopSampleView t : samples) {
            ObjectNode n = a.addObject();
            n.put("problem_id", t.problemId());
            n.put("cot", t.cot());
            n.put("activation", t.activation());
            n.put("position", t.position());
        }
        return a;
    }

    static ObjectNode feasibility(Feasibility f) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("testable_samples", f.testableSamples());
        if (Double.isFinite(f.minDetectableDelta())) {
            n.put("min_detectable_accuracy_change", f.minDetectableDelta());
        } else {
            n.putNull("min_detectable_accuracy_change");
        }
        n.put("verdict", f.verdict());
        return n;
    }

    static ObjectNode thresholds(StudyConfig cfg) {
        ObjectNode n = MAPPER.createObjectNode();
        if (cfg.mode() == AnalysisMode.SEED) {
            SeedThresholds t = cfg.seedThresholds();
            n.put("operation_max_percent", t.operationMax());
            n.put("operation_others_percent", t.operationOthers());
            n.put("value_max_percent", t.valueMax());
            n.put("value_others_percent", t.valueOthers());
        } else {
            SoundThresholds t = cfg.soundThresholds();
            n.put("min_support", t.minSupport());
            n.put("max_q", t.maxQ());
            n.put("min_lift", t.minLift());
            n.put("min_share", t.minShare());
            n.put("dominant_share", t.dominantShare());
            ArrayNode v = n.putArray("values");
            t.values().forEach(v::add);
        }
        n.put("scored_top_samples", cfg.scoredTopSamples());
        n.put("feasibility_alpha", cfg.feasibility().alpha());
        n.put("feasibility_power", cfg.feasibility().power());
        return n;
    }
}
