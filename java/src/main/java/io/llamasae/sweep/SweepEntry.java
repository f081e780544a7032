package io.llamasae.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.PatternKind;
import io.llamasae.analysis.SeedRules;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Operation;
import io.llamasae.report.FeatureStatsJson;
import io.llamasae.report.StudyJson;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.SplicedLoss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One (layer, position) of a sweep (of one SAE grid point): the SAE metrics, the layer's spliced-in evaluation, and
 * what the taxonomy found, counted over every live feature of the layer ({@code layerWide}: one rank band over the
 * whole dictionary) and per configured rank band ({@code study}, the files {@code analyze} writes).
 *
 * @param layer     the layer as the user numbers it
 * @param block     the llama.cpp block
 * @param position  the token position
 * @param k         the SAE's k
 * @param latents   the SAE's dictionary size
 * @param metrics   SAE metrics of the rows at this position
 * @param splice    the layer's spliced-in evaluation (every position), or null when none ran
 * @param study     the rank-band analysis
 * @param layerWide every live feature's label (one band over the dictionary)
 */
public record SweepEntry(int layer, int block, int position, int k, int latents, MetricsSummary metrics, SplicedLoss.Summary splice,
                         StudyResult study, StudyResult layerWide) {
    /** Features active in at most this many samples count as rare (the reference study's specialized features had 1–5). */
    public static final int RARE_MAX_SAMPLES = 5;

    /** The label types of every live feature, in first-seen order of the rank order. */
    public Map<String, Integer> typeCounts() {
        return layerWide.bands().get(0).typeCounts();
    }

    /** Live (analysed) features of the layer. */
    public int liveFeatures() {
        return layerWide.bands().get(0).features().size();
    }

    public int specializedFeatures() {
        return layerWide.bands().get(0).specialized().size();
    }

    /** Live features active in at most {@link #RARE_MAX_SAMPLES} samples. */
    public int rareFeatures() {
        return (int) layerWide.bands().get(0).features().stream().filter(SweepEntry::rare).count();
    }

    /** Rare features with a specialized label (in the sweep's mode). */
    public int rareSpecializedFeatures() {
        return (int) layerWide.bands().get(0).features().stream().filter(f -> rare(f) && f.specialized()).count();
    }

    private static boolean rare(FeatureAnalysis f) {
        return f.summary().activeCount() <= RARE_MAX_SAMPLES;
    }

    /** Share of the analysed features of each rank band with a specialized label (NaN for an empty band). */
    public Map<String, Double> specializedShareByBand() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (BandResult b : study.bands()) {
            out.put(b.band().label(), b.features().isEmpty() ? Double.NaN : (double) b.specialized().size() / b.features().size());
        }
        return out;
    }

    /**
     * Per operation, the live features tied to it: in sound mode those with the operation among their enriched
     * patterns (FDR-controlled enrichment against the dataset's base rate); in seed mode those whose
     * operation-specialized or highly-specialized label names it (the reference's rule).
     */
    public Map<String, Integer> enrichedOperations() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Operation op : Operation.values()) out.put(op.label(), 0);
        AnalysisMode mode = layerWide.config().mode();
        for (FeatureAnalysis f : layerWide.bands().get(0).features()) {
            for (Operation op : Operation.values()) {
                boolean tied;
                if (mode == AnalysisMode.SOUND) {
                    tied = f.evidence().stream().anyMatch(t -> t.enriched() && t.pattern().kind() == PatternKind.OPERATION
                            && t.pattern().value().equals(op.label()));
                } else {
                    tied = (f.type().equals(SeedRules.OPERATION_SPECIALIZED) || f.type().equals(SeedRules.HIGHLY_SPECIALIZED))
                            && f.description().startsWith(op.label());
                }
                if (tied) out.merge(op.label(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** The entry as {@code sweep_summary.json} writes it. */
    public ObjectNode toJson() {
        ObjectNode o = StudyJson.MAPPER.createObjectNode();
        o.put("layer", layer);
        o.put("block", block);
        o.put("position", position);
        o.put("k", k);
        o.put("latents", latents);
        ObjectNode m = FeatureStatsJson.metrics(metrics);
        o.setAll(m);
        if (splice != null) {
            o.setAll(FeatureStatsJson.splice(splice));
        } else {
            for (String key : List.of("clean_ce_loss", "spliced_ce_loss", "zero_ablation_ce_loss", "ce_loss_recovered", "spliced_kl",
                    "zero_ablation_kl", "kl_score")) {
                o.putNull(key);
            }
        }
        o.put("mode", layerWide.config().mode().label());
        o.set("type_counts", StudyJson.MAPPER.valueToTree(typeCounts()));
        o.put("live_features", liveFeatures());
        o.put("specialized_features", specializedFeatures());
        o.put("rare_features", rareFeatures());
        o.put("rare_specialized_features", rareSpecializedFeatures());
        List<Map<String, Object>> bands = new ArrayList<>();
        for (BandResult b : study.bands()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("band", b.band().label());
            e.put("features", b.features().size());
            e.put("specialized", b.specialized().size());
            e.put("share", b.features().isEmpty() ? null : (double) b.specialized().size() / b.features().size());
            bands.add(e);
        }
        o.set("specialized_by_band", StudyJson.MAPPER.valueToTree(bands));
        o.set("enriched_operations", StudyJson.MAPPER.valueToTree(enrichedOperations()));
        return o;
    }
}
