package io.llamasae.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.ActivationHistogram;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.FeatureSummary;
import io.llamasae.analysis.PatternTest;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.analysis.Ranking;
import io.llamasae.analysis.SoundRules;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.TopSample;
import io.llamasae.data.Sample;
import io.llamasae.engine.Engine;
import io.llamasae.engine.NativeSae;
import io.llamasae.model.gguf.GgufFormatException;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.report.StudyJson;
import io.llamasae.sae.Sae;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.IntFunction;

/**
 * The per-feature data of one (layer, position): for every live feature, a JSON document
 * ({@code dashboard/data/layer{L}_pos{P}/feature{F}.json}) with its statistics, activation quantiles and
 * histogram, labels with evidence in both modes, logit effects, decoder neighbours, top contexts and
 * intervention results, plus one row per feature for the dashboard's index. Key names follow
 * Neuronpedia's feature pages where they overlap ({@code pos_str}, {@code pos_values}, {@code neg_str},
 * {@code neg_values}, {@code frac_nonzero}, {@code maxActApprox}, {@code freq_hist_data_bar_values} /
 * {@code _heights}, {@code topkCosSimIndices} / {@code Values}; each context carries {@code maxValue}
 * and {@code maxValueTokenIndex}, and its {@code activations} are Neuronpedia's {@code values}).
 */
public final class FeatureDashboard {
    private FeatureDashboard() {}

    /** Where the labels come from, said on every page and in the report. */
    public static final String LABEL_TEXT_SOURCE = "Labels are computed from each top sample's chain of thought (the dataset's cot text, "
            + "e.g. \"20*3=60 | 60+5=65\"), not from the tokens the model read; the contexts show the tokens the model read (its prompt), "
            + "with the feature's activation on each.";

    /**
     * What one section is built from.
     *
     * @param block  llama.cpp block the SAE reads
     * @param config the study's configuration (layer as the user numbered it, position, thresholds, descriptions)
     * @param stats  feature statistics of that (layer, position), one row per sample
     * @param sae    the SAE (its decoder gives logit effects and neighbours)
     * @param model  the GGUF file (its unembedding and final norm)
     * @param tokenText how a token id is shown (e.g. {@code id -> TokenText.of(model, id)})
     */
    public record SectionSource(int block, StudyConfig config, FeatureStatistics stats, Sae sae, Path model, IntFunction<String> tokenText) {}

    /**
     * One (layer, position) of the dashboard.
     *
     * @param id       folder name under {@code data/}: {@code layer{L}_pos{P}}
     * @param meta     section metadata (layer, position, block, convention, model, SAE, counts, notes)
     * @param features per live feature: feature id → its JSON document
     * @param rows     index rows: [feature, rank, frequency, max |a|, sound type, sound description, seed type,
     *                 seed description, [tokens it peaks on]]
     */
    public record Section(String id, ObjectNode meta, Map<Integer, ObjectNode> features, ArrayNode rows) {}

    public static String sectionId(int layer, int position) {
        return "layer" + layer + "_pos" + position;
    }

    /**
     * Convenience for one SAE on one block (what {@code analyze} does): runs the context pass, then
     * {@link #build}. {@code validation} may be null.
     */
    public static Section forStudy(Engine engine, NativeSae sae, int block, List<Sample> samples, FeatureStatistics stats, StudyConfig cfg,
                                   InterventionResults validation, DashboardOptions o) {
        ContextPass.Result ctx = ContextPass.run(engine, Map.of(block, sae), samples, contextSamples(stats, o), o.batch());
        Map<Integer, String> texts = new java.util.HashMap<>();
        IntFunction<String> text = id -> texts.computeIfAbsent(id, t -> TokenText.of(engine.model(), t));
        return build(new SectionSource(block, cfg, stats, sae.sae(), engine.model().path(), text), samples, ctx, validation, o);
    }

    /** The samples the context pass must run for these statistics (union over features of their first contexts). */
    public static SortedSet<Integer> contextSamples(FeatureStatistics stats, DashboardOptions o) {
        List<List<Integer>> lists = new ArrayList<>();
        for (int f = 0; f < stats.numFeatures(); f++) {
            lists.add(stats.topSamples(f).stream().map(TopSample::sampleIndex).toList());
        }
        return ContextPass.samplesToRun(lists, o.contexts());
    }

    /** Builds the section; {@code ctx} must hold codes of {@code src.block()} for {@link #contextSamples}. */
    public static Section build(SectionSource src, List<Sample> samples, ContextPass.Result ctx, InterventionResults validation,
                                DashboardOptions o) {
        StudyConfig cfg = src.config();
        FeatureStatistics stats = src.stats();
        Sae sae = src.sae();
        int numLatents = sae.numLatents();
        if (stats.numFeatures() != numLatents) {
            throw new IllegalArgumentException("dashboard: statistics of " + stats.numFeatures() + " features for an SAE of " + numLatents);
        }
        String id = sectionId(cfg.layer(), cfg.position());
        ObjectNode meta = StudyJson.MAPPER.createObjectNode();
        meta.put("id", id);
        meta.put("layer", cfg.layer());
        meta.put("position", cfg.position());
        meta.put("block", src.block());
        meta.put("layer_convention", cfg.layerConvention());
        meta.put("model", cfg.modelDescription());
        meta.put("sae", cfg.saeDescription());
        meta.put("dataset", cfg.datasetDescription());
        meta.put("samples", stats.rowCount());
        meta.put("num_features", numLatents);
        meta.put("label_text_source", LABEL_TEXT_SOURCE);

        DashboardLabels.Labels labels = DashboardLabels.compute(stats, samples, cfg);
        LogitEffects.Result logits = null;
        try (GgufReader r = GgufReader.open(src.model())) {
            logits = LogitEffects.compute(r, sae.wDec(), numLatents, o.logitTokens(), src.tokenText());
            meta.put("logit_effects_source", logits.source());
        } catch (GgufFormatException e) {
            // a model whose unembedding cannot be dequantized here still gets the rest of its dashboard
            meta.put("logit_effects_note", "logit effects unavailable: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard: reading " + src.model() + ": " + e.getMessage(), e);
        }
        DecoderNeighbours.Result nb = DecoderNeighbours.compute(sae.wDec(), numLatents, o.neighbours());
        if (nb.isEmpty()) meta.put("neighbours_note", "decoder neighbours skipped above " + DecoderNeighbours.MAX_LATENTS + " latents");

        Map<Integer, ContextPass.TokenCodes> codes = ctx.block(src.block());
        Map<Integer, ObjectNode> features = new LinkedHashMap<>();
        ArrayNode rows = StudyJson.MAPPER.createArrayNode();
        int live = 0;
        for (RankedFeature rf : Ranking.byFrequency(stats)) {
            if (rf.summary().activeCount() == 0) continue;
            live++;
            int f = rf.featureId();
            List<TopContexts.Context> contexts = TopContexts.build(f, stats.topSamples(f), o.contexts(), codes, src.tokenText(), samples,
                    o.windowBefore(), o.windowAfter());
            ObjectNode doc = feature(id, src, rf, stats.histogram(f), labels, logits, nb, contexts, validation);
            features.put(f, doc);
            FeatureAnalysis sound = labels.get(AnalysisMode.SOUND, f);
            FeatureAnalysis seed = labels.get(AnalysisMode.SEED, f);
            ArrayNode row = rows.addArray();
            row.add(f).add(rf.rank()).add((float) rf.summary().activationFreq()).add((float) rf.summary().maxAbs())
                    .add(sound.type()).add(sound.description()).add(seed.type()).add(seed.description());
            ArrayNode toks = row.addArray();
            peakTokens(contexts).forEach(toks::add);
        }
        meta.put("live_features", live);
        meta.put("dead_features", numLatents - live);
        return new Section(id, meta, features, rows);
    }

    /** Distinct tokens a feature peaks on in its contexts (anchor and window maximum), most frequent first, at most 6. */
    static List<String> peakTokens(List<TopContexts.Context> contexts) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (TopContexts.Context c : contexts) {
            counts.merge(c.anchorToken(), 1, Integer::sum);
            if (c.maxIndex() != c.anchorIndex()) counts.merge(c.tokens().get(c.maxIndex()), 1, Integer::sum);
        }
        return counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(6).map(Map.Entry::getKey).toList();
    }

    private static ObjectNode feature(String section, SectionSource src, RankedFeature rf, ActivationHistogram h,
                                      DashboardLabels.Labels labels, LogitEffects.Result logits, DecoderNeighbours.Result nb,
                                      List<TopContexts.Context> contexts, InterventionResults validation) {
        StudyConfig cfg = src.config();
        int f = rf.featureId();
        FeatureSummary s = rf.summary();
        ObjectNode n = StudyJson.MAPPER.createObjectNode();
        n.put("format", "llama-sae-feature/1");
        n.put("section", section);
        n.put("layer", cfg.layer());
        n.put("position", cfg.position());
        n.put("block", src.block());
        n.put("layer_convention", cfg.layerConvention());
        n.put("feature", f);
        n.put("rank", rf.rank());
        ObjectNode st = n.putObject("stats");
        st.put("rows", src.stats().rowCount());
        st.put("active_count", s.activeCount());
        st.put("activation_freq", s.activationFreq());
        st.put("mean_magnitude", s.meanMagnitude());
        st.put("mean_abs_when_active", s.meanAbsWhenActive());
        st.put("mean_when_active", s.meanWhenActive());
        st.put("max_abs", s.maxAbs());
        n.put("density", s.activationFreq());
        n.put("frac_nonzero", s.activationFreq());
        n.put("maxActApprox", s.maxAbs());

        ObjectNode q = n.putObject("quantiles");
        q.put("of", "|activation| over the active rows, read from the histogram (within 6.25 %)");
        for (double p : new double[] {0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
            q.put("p" + (int) Math.round(p * 100), (float) h.magnitudeQuantile(p));
        }
        q.put("max", s.maxAbs());
        histogram(n, h);

        ObjectNode label = n.putObject("label");
        label.put("text_source", LABEL_TEXT_SOURCE);
        label.set("sound", soundLabel(labels.get(AnalysisMode.SOUND, f)));
        label.set("seed", seedLabel(labels.get(AnalysisMode.SEED, f)));

        ObjectNode le = n.putObject("logit_effects");
        ArrayNode posStr = n.putArray("pos_str");
        ArrayNode posVal = n.putArray("pos_values");
        ArrayNode negStr = n.putArray("neg_str");
        ArrayNode negVal = n.putArray("neg_values");
        if (logits != null) {
            LogitEffects.FeatureEffects fe = logits.perFeature().get(f);
            le.put("source", logits.source());
            le.put("definition", "W_U · (output_norm.weight ⊙ W_dec[f]): logit change per unit activation, before the norm's 1/rms");
            ArrayNode pr = le.putArray("promoted");
            for (LogitEffects.TokenEffect t : fe.promoted()) {
                pr.addObject().put("token", t.text()).put("id", t.token()).put("value", (float) t.value());
                posStr.add(t.text());
                posVal.add((float) t.value());
            }
            ArrayNode su = le.putArray("suppressed");
            for (LogitEffects.TokenEffect t : fe.suppressed()) {
                su.addObject().put("token", t.text()).put("id", t.token()).put("value", (float) t.value());
                negStr.add(t.text());
                negVal.add((float) t.value());
            }
        } else {
            le.putArray("promoted");
            le.putArray("suppressed");
            le.put("unavailable", true);
        }

        ArrayNode ctxs = n.putArray("top_contexts");
        for (TopContexts.Context c : contexts) {
            ObjectNode cn = ctxs.addObject();
            cn.put("sample_index", c.sampleIndex());
            cn.put("problem_id", c.problemId());
            cn.put("position", c.position());
            cn.put("window_start", c.windowStart());
            ArrayNode tk = cn.putArray("tokens");
            c.tokens().forEach(tk::add);
            ArrayNode ac = cn.putArray("activations");
            for (float a : c.activations()) ac.add(a);
            cn.put("anchor_index", c.anchorIndex());
            cn.put("ranked_activation", c.ranked());
            cn.put("maxValue", c.maxValue());
            cn.put("maxValueTokenIndex", c.maxIndex());
            cn.put("cot", c.cot());
        }
        if (!nb.isEmpty()) {
            ArrayNode ni = n.putArray("topkCosSimIndices");
            ArrayNode nv = n.putArray("topkCosSimValues");
            for (int i = 0; i < nb.indices()[f].length; i++) {
                ni.add(nb.indices()[f][i]);
                nv.add((float) nb.values()[f][i]);
            }
        }
        ObjectNode iv = validation == null ? null : validation.forFeature(f);
        if (iv != null) n.set("interventions", iv);
        return n;
    }

    /** The occupied bins of the log histogram, plus Neuronpedia's parallel bar arrays (signed bin centres, counts). */
    private static void histogram(ObjectNode n, ActivationHistogram h) {
        ObjectNode hn = n.putObject("histogram");
        hn.put("scale", "|activation| in " + ActivationHistogram.BINS_PER_OCTAVE + " equal-width bins per octave; "
                + "positive and negative activations counted apart");
        ArrayNode lo = hn.putArray("bin_lo");
        ArrayNode hi = hn.putArray("bin_hi");
        ArrayNode pos = hn.putArray("positive");
        ArrayNode neg = hn.putArray("negative");
        ArrayNode barValues = n.putArray("freq_hist_data_bar_values");
        ArrayNode barHeights = n.putArray("freq_hist_data_bar_heights");
        int[] range = h.occupiedRange();
        if (range.length == 0) return;
        List<float[]> negatives = new ArrayList<>();
        for (int b = range[0]; b <= range[1]; b++) {
            float l = ActivationHistogram.lowerEdge(b);
            float u = ActivationHistogram.lowerEdge(b + 1);
            lo.add(l);
            hi.add(u);
            pos.add(h.positive(b));
            neg.add(h.negative(b));
            if (h.negative(b) > 0) negatives.add(new float[] {-(l + u) / 2, h.negative(b)});
        }
        // bars sorted by value: negative bins (largest magnitude first), then positive bins
        for (int i = negatives.size() - 1; i >= 0; i--) {
            barValues.add(negatives.get(i)[0]);
            barHeights.add((int) negatives.get(i)[1]);
        }
        for (int b = range[0]; b <= range[1]; b++) {
            if (h.positive(b) > 0) {
                barValues.add((ActivationHistogram.lowerEdge(b) + ActivationHistogram.lowerEdge(b + 1)) / 2);
                barHeights.add(h.positive(b));
            }
        }
    }

    private static ObjectNode soundLabel(FeatureAnalysis a) {
        ObjectNode n = StudyJson.MAPPER.createObjectNode();
        n.put("type", a.type());
        n.put("description", a.description());
        n.put("top_samples_scored", a.scores().totalSamples());
        ArrayNode ev = n.putArray("evidence");
        for (PatternTest t : a.evidence().stream().sorted(SoundRules.STRONGEST_FIRST).toList()) {
            ObjectNode e = ev.addObject();
            e.put("pattern", t.pattern().key());
            e.put("k", t.k()).put("n", t.n()).put("K", t.K()).put("N", t.N());
            e.put("share", t.share()).put("base_rate", t.baseRate()).put("lift", t.lift());
            e.put("p", t.pValue());
            if (Double.isFinite(t.qValue())) e.put("q", t.qValue());
            e.put("enriched", t.enriched());
        }
        return n;
    }

    private static ObjectNode seedLabel(FeatureAnalysis a) {
        ObjectNode n = StudyJson.MAPPER.createObjectNode();
        n.put("type", a.type());
        n.put("description", a.description());
        ObjectNode sc = n.putObject("scores");
        ObjectNode ops = sc.putObject("operations");
        a.scores().operations().forEach(ops::put);
        ObjectNode vals = sc.putObject("values");
        a.scores().values().forEach(vals::put);
        sc.put("total_samples", a.scores().totalSamples());
        return n;
    }
}
