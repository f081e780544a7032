package io.llamasae.report;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.Feasibility;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.FeatureLabel;
import io.llamasae.analysis.FrequencySpecialization;
import io.llamasae.analysis.PatternTest;
import io.llamasae.analysis.SeedRules;
import io.llamasae.analysis.SeedThresholds;
import io.llamasae.analysis.SoundRules;
import io.llamasae.analysis.SoundThresholds;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.analysis.SwapPair;
import io.llamasae.analysis.TopSampleView;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the study as Markdown in the shape of the reference report (configuration, per-band tables,
 * specialized features with top samples, findings, implications for experiments, summary statistics),
 * every number computed from the results.
 */
public final class MarkdownReport {
    /** Types in table order; seed mode never produces the last two. */
    public static final List<String> TYPE_ORDER = List.of(SeedRules.GENERAL, SeedRules.OPERATION_SPECIALIZED, SeedRules.VALUE_SPECIALIZED,
            SoundRules.SEQUENCE_SPECIALIZED, SeedRules.HIGHLY_SPECIALIZED, SoundRules.INSUFFICIENT_EVIDENCE);

    private MarkdownReport() {
    }

    /** {@code plots}: per result, file names of its PNGs (may be empty). */
    public static String render(List<StudyResult> results, Map<StudyResult, List<String>> plots) {
        return render(results, plots, TokenContexts.NONE);
    }

    /** As above; {@code contexts} adds the activating token in the prompt the model read, and the dashboard link. */
    public static String render(List<StudyResult> results, Map<StudyResult, List<String>> plots, TokenContexts contexts) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("report: expected at least one study result but found none");
        }
        StudyConfig c0 = results.get(0).config();
        StringBuilder md = new StringBuilder();
        md.append("# SAE Feature Activation Patterns & Specialization Analysis\n\n");
        md.append("**Date**: ").append(c0.analysisDate()).append("  \n");
        md.append("**Model**: ").append(c0.modelDescription()).append("  \n");
        md.append("**Dataset**: ").append(c0.datasetDescription()).append(" (").append(results.get(0).sampleCount())
                .append(" samples)  \n");
        md.append("**SAE**: ").append(c0.saeDescription()).append("  \n");
        md.append("**Mode**: `").append(c0.mode().label()).append("`")
                .append(c0.mode() == AnalysisMode.SEED ? " (the reference rules, quirks included)" : " (whole-number matching, "
                        + "parsed equations, enrichment with Benjamini–Hochberg FDR)").append("\n\n---\n\n");

        md.append("## Methodology\n\n");
        md.append("Features are ranked by activation frequency (fraction of samples with a non-zero code; ties by feature id). ")
                .append("Each feature is scored on its top ").append(c0.scoredTopSamples())
                .append(" active samples by |activation|. Layer numbering: ").append(c0.layerConvention()).append(".\n\n");
        md.append(PROVENANCE);
        if (contexts.dashboard() != null) {
            md.append(" Every live feature has a page in the [feature dashboard](").append(contexts.dashboard())
                    .append(") (token-level contexts, activation histogram, logit effects).");
        }
        md.append("\n\n");
        md.append(criteria(c0)).append("\n---\n\n");

        md.append("## Results\n\n");
        int idx = 1;
        List<FeatureAnalysis> everything = new ArrayList<>();
        for (StudyResult r : results) {
            for (BandResult b : r.bands()) {
                md.append(bandSection(idx++, r, b, contexts));
                everything.addAll(b.features());
            }
            List<String> pngs = plots.getOrDefault(r, List.of());
            if (!pngs.isEmpty()) {
                md.append("### Plots (layer ").append(r.config().layer()).append(", position ").append(r.config().position()).append(")\n\n");
                for (String p : pngs) {
                    md.append("![").append(p).append("](").append(p).append(")\n\n");
                }
            }
        }

        md.append("---\n\n## Key Findings\n\n");
        md.append(findings(results, everything));
        md.append("---\n\n## First-stage taxonomy of the most frequent features\n\n");
        for (StudyResult r : results) {
            md.append(labelsSection(r));
        }
        md.append("---\n\n## Summary Statistics\n\n");
        md.append(summaryTable(results));
        return md.toString();
    }

    /** Which text the labels come from (the issue of provenance: chain of thought vs the tokens the model read). */
    static final String PROVENANCE = "**Provenance**: labels are computed from each top sample's chain of thought (the dataset's `cot` "
            + "text, e.g. `20*3=60 | 60+5=65`), not from the tokens the model read; where shown, `model read:` is the prompt the model "
            + "read around the analysed position, with the activating token marked «like this».";

    static String criteria(StudyConfig c) {
        StringBuilder s = new StringBuilder("### Specialization criteria\n\n");
        if (c.mode() == AnalysisMode.SEED) {
            SeedThresholds t = c.seedThresholds();
            s.append(String.format(Locale.ROOT, "- **Operation-specialized**: one operation in > %s %% of top samples, every other "
                    + "share (not equal to the max) < %s %% (substring tests `+`/sum, `-`/difference, `*`/multiply/×, `/`/divide/÷)%n",
                    num(t.operationMax()), num(t.operationOthers())));
            s.append(String.format(Locale.ROOT, "- **Value-specialized**: one of 12, 20, 30, 50, 100 (substring) in > %s %% of top "
                    + "samples, others < %s %%%n", num(t.valueMax()), num(t.valueOthers())));
            s.append("- **Highly-specialized**: both\n");
            s.append("- Known flaws kept for compatibility: with few samples every operation present scores 100 % and the first "
                    + "in the order addition, subtraction, multiplication, division is named; \"12\" matches inside \"120\".\n");
        } else {
            SoundThresholds t = c.soundThresholds();
            s.append(String.format(Locale.ROOT, "- A pattern (operation, adjacent operation pair, whole number) is **enriched** when its "
                    + "Benjamini–Hochberg q < %s over all tests of the run (one-sided hypergeometric test of the top samples against the "
                    + "dataset base rate), its share of top samples ≥ %s and its lift (share / base rate) ≥ %s or its share ≥ %s.%n",
                    num(t.maxQ()), num(t.minShare()), num(t.minLift()), num(t.dominantShare())));
            s.append("- **Operation-/sequence-/value-specialized**: an enriched operation / operation pair / number; "
                    + "**highly-specialized**: an operation or pair and a number; **general**: nothing enriched.\n");
            s.append(String.format(Locale.ROOT, "- **Insufficient evidence**: fewer than %d active samples (no specialization claim is made).%n",
                    t.minSupport()));
        }
        return s.toString();
    }

    private static String bandSection(int idx, StudyResult r, BandResult b, TokenContexts contexts) {
        StudyConfig c = r.config();
        StringBuilder s = new StringBuilder();
        s.append("### Analysis ").append(idx).append(": Layer ").append(c.layer()).append(", Position ").append(c.position())
                .append(", Rank ").append(b.band().label()).append("\n\n");
        s.append("**Configuration**:\n");
        s.append("- Layer: ").append(c.layer()).append(" (").append(c.layerConvention()).append(")\n");
        s.append("- Position: ").append(c.position()).append('\n');
        s.append("- Rank range: ").append(b.band().label());
        if (!b.features().isEmpty()) {
            double lo = b.features().stream().mapToDouble(f -> f.summary().activationFreq()).min().orElse(0);
            double hi = b.features().stream().mapToDouble(f -> f.summary().activationFreq()).max().orElse(0);
            s.append(" (activation freq: ").append(pct(lo)).append("–").append(pct(hi)).append(")");
        }
        s.append('\n');
        int skipped = b.band().to() - b.band().from() + 1 - b.features().size();
        s.append("- Features analysed: ").append(b.features().size());
        if (skipped > 0) {
            s.append(" (").append(skipped).append(" ranks skipped: dead features or beyond the dictionary)");
        }
        s.append("\n\n**Results**:\n\n");
        s.append("| Category | Count | Percentage |\n|----------|-------|------------|\n");
        Map<String, Integer> counts = b.typeCounts();
        for (String type : TYPE_ORDER) {
            int n = counts.getOrDefault(type, 0);
            if (n == 0 && (type.equals(SoundRules.SEQUENCE_SPECIALIZED) || type.equals(SoundRules.INSUFFICIENT_EVIDENCE))
                    && r.config().mode() == AnalysisMode.SEED) {
                continue;
            }
            s.append("| ").append(type).append(" | ").append(n).append(" | ").append(share(n, b.features().size())).append(" |\n");
        }
        s.append('\n');
        List<FeatureAnalysis> spec = b.specialized();
        if (spec.isEmpty()) {
            s.append("**Finding**: no specialized feature in this band.\n\n");
        } else {
            s.append("**Specialized Features Found**: ").append(spec.size()).append("\n\n");
            for (FeatureAnalysis f : spec) {
                s.append(featureBlock(f, r.sampleCount(), contexts));
            }
        }
        if (!b.swapPairs().isEmpty()) {
            s.append("**Swap-pair candidates**:\n\n| Feature A | Feature B | Kind | A | B | Active A | Active B | Min. detectable Δacc | Verdict |\n")
                    .append("|---|---|---|---|---|---|---|---|---|\n");
            for (SwapPair p : b.swapPairs()) {
                s.append("| ").append(p.featureA()).append(" | ").append(p.featureB()).append(" | ").append(p.kind()).append(" | ")
                        .append(p.descriptionA()).append(" | ").append(p.descriptionB()).append(" | ").append(p.activeA()).append(" | ")
                        .append(p.activeB()).append(" | ").append(mde(p.feasibility())).append(" | ").append(p.feasibility().verdict())
                        .append(" |\n");
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String featureBlock(FeatureAnalysis f, long n, TokenContexts contexts) {
        StringBuilder s = new StringBuilder();
        s.append("#### Feature ").append(f.featureId()).append(" (Rank ").append(f.rank()).append(")\n");
        s.append("- **Type**: ").append(f.type()).append(" (").append(f.description()).append(")\n");
        s.append("- **Activation freq**: ").append(pct(f.summary().activationFreq())).append(" (").append(f.summary().activeCount())
                .append('/').append(n).append(" samples)\n");
        for (PatternTest t : f.evidence().stream().sorted(SoundRules.STRONGEST_FIRST).toList()) {
            if (t.enriched()) {
                s.append(String.format(Locale.ROOT, "- **Evidence** `%s`: %d/%d top samples (%.1f %%) vs %.1f %% of the dataset, lift %.2f, "
                        + "p = %.3g, q = %.3g%n", t.pattern().key(), t.k(), t.n(), 100 * t.share(), 100 * t.baseRate(), t.lift(),
                        t.pValue(), t.qValue()));
            }
        }
        s.append("- **Ablation/amplification feasibility**: ").append(f.feasibility().verdict()).append(" (smallest detectable accuracy change ")
                .append(mde(f.feasibility())).append(" on ").append(f.feasibility().testableSamples()).append(" samples)\n");
        if (!f.topSamples().isEmpty()) {
            s.append("- **Top activating samples**:\n  ```\n");
            for (TopSampleView t : f.topSamples().subList(0, Math.min(5, f.topSamples().size()))) {
                s.append("  ").append(t.cot().isEmpty() ? "(" + t.problemId() + ")" : t.cot())
                        .append(String.format(Locale.ROOT, "    [%s, a=%.3f]", t.problemId(), t.activation())).append('\n');
                String read = contexts.around(t.sampleIndex(), t.position());
                if (read != null) {
                    s.append("    model read: ").append(read).append('\n');
                }
            }
            s.append("  ```\n");
        }
        s.append('\n');
        return s.toString();
    }

    private static String findings(List<StudyResult> results, List<FeatureAnalysis> all) {
        StringBuilder s = new StringBuilder();
        double rho = FrequencySpecialization.spearman(all);
        s.append("### Finding 1: Specialization and activation frequency\n\n");
        s.append("- Spearman correlation between activation frequency and being specialized, over all ").append(all.size())
                .append(" analysed features: ").append(Double.isNaN(rho) ? "undefined (one of the two is constant)"
                        : String.format(Locale.ROOT, "ρ = %.3f", rho)).append('\n');
        for (StudyResult r : results) {
            for (BandResult b : r.bands()) {
                s.append("- Layer ").append(r.config().layer()).append(", rank ").append(b.band().label()).append(": ")
                        .append(b.specialized().size()).append('/').append(b.features().size()).append(" specialized (")
                        .append(share(b.specialized().size(), b.features().size())).append(")\n");
            }
        }
        if (!Double.isNaN(rho)) {
            s.append("\n").append(rho < 0 ? "Rarer features are more often labelled specialized (negative correlation)."
                    : "Specialized features are not concentrated among the rare ones (non-negative correlation).").append('\n');
        }
        s.append('\n');

        s.append("### Finding 2: Are specialized features common enough for experiments?\n\n");
        List<FeatureAnalysis> spec = all.stream().filter(FeatureAnalysis::specialized).toList();
        long insufficient = all.stream().filter(f -> f.type().equals(SoundRules.INSUFFICIENT_EVIDENCE)).count();
        if (spec.isEmpty()) {
            s.append("- No specialized features.\n");
        } else {
            long min = spec.stream().mapToLong(f -> f.summary().activeCount()).min().orElse(0);
            long max = spec.stream().mapToLong(f -> f.summary().activeCount()).max().orElse(0);
            s.append("- Specialized features: ").append(spec.size()).append(", active on ").append(min).append("–").append(max)
                    .append(" samples\n");
            Map<String, Integer> verdicts = new LinkedHashMap<>();
            for (String v : List.of(Feasibility.FEASIBLE, Feasibility.WEAK, Feasibility.INFEASIBLE)) {
                verdicts.put(v, 0);
            }
            spec.forEach(f -> verdicts.merge(f.feasibility().verdict(), 1, Integer::sum));
            s.append("- Ablation/amplification verdicts: ").append(verdicts.get(Feasibility.FEASIBLE)).append(" feasible, ")
                    .append(verdicts.get(Feasibility.WEAK)).append(" weak, ").append(verdicts.get(Feasibility.INFEASIBLE))
                    .append(" infeasible\n");
        }
        if (insufficient > 0) {
            s.append("- Features below the minimum support (insufficient evidence, no label claimed): ").append(insufficient).append('\n');
        }
        int pairs = 0;
        int feasiblePairs = 0;
        for (StudyResult r : results) {
            for (BandResult b : r.bands()) {
                pairs += b.swapPairs().size();
                feasiblePairs += (int) b.swapPairs().stream().filter(p -> p.feasibility().verdict().equals(Feasibility.FEASIBLE)).count();
            }
        }
        s.append("- Swap-pair candidates: ").append(pairs).append(", of which feasible: ").append(feasiblePairs).append("\n\n");
        return s.toString();
    }

    private static String labelsSection(StudyResult r) {
        StringBuilder s = new StringBuilder();
        s.append("Layer ").append(r.config().layer()).append(", position ").append(r.config().position()).append(", top ")
                .append(r.topLabels().size()).append(" features by frequency:\n\n| Type | Count |\n|------|-------|\n");
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (FeatureLabel l : r.topLabels()) {
            counts.merge(l.interpretation().type(), 1, Integer::sum);
        }
        counts.forEach((k, v) -> s.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        s.append('\n');
        return s.toString();
    }

    static String summaryTable(List<StudyResult> results) {
        StringBuilder s = new StringBuilder("| Analysis | Features | Specialized | Swap Pairs |\n|----------|----------|-------------|------------|\n");
        int tf = 0;
        int ts = 0;
        int tp = 0;
        for (StudyResult r : results) {
            for (BandResult b : r.bands()) {
                int f = b.features().size();
                int sp = b.specialized().size();
                int p = b.swapPairs().size();
                tf += f;
                ts += sp;
                tp += p;
                s.append("| ").append(analysisName(r, b)).append(" | ").append(f).append(" | ").append(sp).append(" (")
                        .append(share(sp, f)).append(") | ").append(p).append(" |\n");
            }
        }
        s.append("| **Total** | **").append(tf).append("** | **").append(ts).append(" (").append(share(ts, tf)).append(")** | **")
                .append(tp).append("** |\n");
        return s.toString();
    }

    static String analysisName(StudyResult r, BandResult b) {
        return "Layer " + r.config().layer() + ", pos " + r.config().position() + ", rank " + b.band().label();
    }

    static String share(int n, int total) {
        return total == 0 ? "0.0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / total);
    }

    private static String pct(double f) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * f);
    }

    private static String mde(Feasibility f) {
        return Double.isFinite(f.minDetectableDelta()) ? String.format(Locale.ROOT, "%.3f", f.minDetectableDelta()) : "n/a";
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
