package io.llamasae.analysis;

import io.llamasae.data.Sample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The study pipeline after encoding: rank features, score and label the features of each rank band and
 * the top features, propose swap pairs with feasibility verdicts.
 *
 * <p>{@code stats} must hold one row per sample of {@code samples} (one layer, one position), with
 * sample indices into {@code samples}. Dead features are skipped inside bands, as the reference did
 * (its 400–512 band analysed 109 of 113 ranks).
 */
public final class StudyAnalysis {
    private StudyAnalysis() {
    }

    public static StudyResult run(FeatureStatistics stats, List<Sample> samples, StudyConfig cfg) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("study: expected samples but found none");
        }
        if (stats.rowCount() != samples.size()) {
            throw new IllegalArgumentException("study: expected statistics with one row per sample (" + samples.size()
                    + " rows) but found " + stats.rowCount() + " rows; accumulate one (layer, position) at a time");
        }
        List<RankedFeature> ranking = Ranking.byFrequency(stats);
        int dead = (int) ranking.stream().filter(r -> r.summary().activeCount() == 0).count();

        // features to analyse: every live feature in a band, plus the top live features for the first-stage labels
        Map<Integer, RankedFeature> wanted = new LinkedHashMap<>();
        List<List<RankedFeature>> bandMembers = new ArrayList<>();
        for (RankBand band : cfg.bands()) {
            List<RankedFeature> members = Ranking.inBand(ranking, band, true);
            bandMembers.add(members);
            members.forEach(r -> wanted.put(r.featureId(), r));
        }
        List<RankedFeature> top = ranking.stream().filter(r -> r.summary().activeCount() > 0).limit(cfg.labelTopFeatures()).toList();
        top.forEach(r -> wanted.put(r.featureId(), r));

        Map<Integer, FeatureAnalysis> analysed = new HashMap<>();
        Map<Integer, SeedInterpretation> interpretations = new HashMap<>();
        int tests = 0;
        if (cfg.mode() == AnalysisMode.SEED) {
            for (RankedFeature r : wanted.values()) {
                List<TopSample> scored = limit(stats.topSamples(r.featureId()), cfg.scoredTopSamples());
                List<String> cots = scored.stream().map(t -> sample(samples, t).cot()).toList();
                SeedScores scores = SeedRules.score(cots);
                SeedLabel label = SeedRules.classify(scores, cfg.seedThresholds());
                analysed.put(r.featureId(), new FeatureAnalysis(r.rank(), r.summary(), label.type(), label.description(), scores,
                        List.of(), views(samples, scored, cfg.storedTopSamples()), cfg.feasibility().judge(r.summary().activeCount())));
                interpretations.put(r.featureId(), SeedRules.interpret(SeedRules.detectPatterns(cots, cfg.seedThresholds())));
            }
        } else {
            SoundRules rules = new SoundRules(samples, cfg.soundThresholds());
            List<RankedFeature> tested = new ArrayList<>();
            List<List<PatternTest>> raw = new ArrayList<>();
            for (RankedFeature r : wanted.values()) {
                // below minimum support the label is fixed; leaving these out of BH keeps them from diluting the FDR
                if (r.summary().activeCount() >= cfg.soundThresholds().minSupport()) {
                    tested.add(r);
                    raw.add(rules.test(indices(limit(stats.topSamples(r.featureId()), cfg.scoredTopSamples()))));
                }
            }
            List<List<PatternTest>> adjusted = rules.adjust(raw);
            Map<Integer, List<PatternTest>> byFeature = new HashMap<>();
            for (int i = 0; i < tested.size(); i++) {
                byFeature.put(tested.get(i).featureId(), adjusted.get(i));
                tests += adjusted.get(i).size();
            }
            for (RankedFeature r : wanted.values()) {
                List<TopSample> scored = limit(stats.topSamples(r.featureId()), cfg.scoredTopSamples());
                List<PatternTest> evidence = byFeature.getOrDefault(r.featureId(), List.of());
                SoundLabel label = rules.label(r.summary().activeCount(), evidence);
                analysed.put(r.featureId(), new FeatureAnalysis(r.rank(), r.summary(), label.type(), label.description(),
                        rules.scores(indices(scored)), evidence, views(samples, scored, cfg.storedTopSamples()),
                        cfg.feasibility().judge(r.summary().activeCount())));
                interpretations.put(r.featureId(), soundInterpretation(label, evidence, cfg.soundThresholds()));
            }
        }

        List<BandResult> bands = new ArrayList<>();
        for (int b = 0; b < cfg.bands().size(); b++) {
            List<FeatureAnalysis> fs = bandMembers.get(b).stream().map(r -> analysed.get(r.featureId())).toList();
            bands.add(new BandResult(cfg.bands().get(b), fs, SwapPairs.propose(fs, cfg.feasibility())));
        }
        List<FeatureLabel> labels = new ArrayList<>();
        for (RankedFeature r : top) {
            labels.add(new FeatureLabel(r.rank(), r.summary(), interpretations.get(r.featureId()),
                    analysed.get(r.featureId()).topSamples()));
        }
        return new StudyResult(cfg, stats.rowCount(), stats.numFeatures(), dead, ranking, bands, labels, tests);
    }

    /**
     * Every live feature analysed in {@code mode} with {@code c}'s thresholds: one rank band over the whole dictionary,
     * no first-stage labels and no stored samples (the labels of dashboards and of a sweep's layer-wide counts). In
     * sound mode the Benjamini–Hochberg family is every live feature of the layer.
     */
    public static StudyResult everyFeature(FeatureStatistics stats, List<Sample> samples, StudyConfig c, AnalysisMode mode) {
        StudyConfig all = new StudyConfig(c.layer(), c.layerConvention(), c.position(), List.of(new RankBand(1, stats.numFeatures())), mode,
                c.seedThresholds(), c.soundThresholds(), c.feasibility(), c.saeDescription(), c.modelDescription(), c.datasetDescription(),
                c.analysisDate(), 0, c.scoredTopSamples(), 0);
        return run(stats, samples, all);
    }

    /**
     * Sound-mode counterpart of the first-stage interpretation: type = label, detected patterns = enriched
     * pattern keys (sorted), confidence high when the strongest q < maxQ/50, medium when < maxQ, else low.
     */
    static SeedInterpretation soundInterpretation(SoundLabel label, List<PatternTest> evidence, SoundThresholds t) {
        Set<String> keys = new java.util.TreeSet<>();
        double bestQ = 1;
        for (PatternTest p : label.enriched()) {
            keys.add(p.pattern().key());
            bestQ = Math.min(bestQ, p.qValue());
        }
        String confidence = label.enriched().isEmpty() ? (evidence.isEmpty() ? "low" : "medium")
                : bestQ < t.maxQ() / 50 ? "high" : "medium";
        return new SeedInterpretation(label.type(), confidence, new ArrayList<>(keys), label.description());
    }

    private static List<TopSample> limit(List<TopSample> l, int n) {
        return l.size() <= n ? l : l.subList(0, n);
    }

    private static Sample sample(List<Sample> samples, TopSample t) {
        if (t.sampleIndex() >= samples.size()) {
            throw new IllegalArgumentException("statistics refer to sample " + t.sampleIndex() + " but the dataset has "
                    + samples.size() + " samples");
        }
        return samples.get(t.sampleIndex());
    }

    private static List<Integer> indices(List<TopSample> l) {
        Set<Integer> out = new LinkedHashSet<>();
        for (TopSample t : l) {
            out.add(t.sampleIndex());
        }
        return new ArrayList<>(out);
    }

    private static List<TopSampleView> views(List<Sample> samples, List<TopSample> scored, int n) {
        List<TopSampleView> out = new ArrayList<>();
        for (TopSample t : limit(scored, n)) {
            Sample s = sample(samples, t);
            out.add(new TopSampleView(s.id(), s.cot(), t.activation(), t.sampleIndex(), t.position()));
        }
        return out;
    }
}
