package io.llamasae.study;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.AccuracyInteraction;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.Interval;
import io.llamasae.analysis.PatternKind;
import io.llamasae.analysis.PatternTest;
import io.llamasae.analysis.SeedRules;
import io.llamasae.analysis.SoundRules;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Operation;
import io.llamasae.io.AtomicFiles;
import io.llamasae.lm.GreedyAccuracy;
import io.llamasae.report.StudyJson;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.validation.ConditionResult;
import io.llamasae.validation.OperationResult;
import io.llamasae.validation.ValidatedFeature;
import io.llamasae.validation.ValidationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's report: the trained model next to its random-init control, every number side by side
 * (accuracy, SAE quality, label counts by type and rank band in both modes, the enrichment q-value
 * distribution, the ablation effects and the operation-level interaction tests), and in words, from
 * those numbers, what survives the control. A label type "survives" when the trained model has at
 * least twice as many as the control plus two ({@link #separates}); otherwise the report says the
 * control shows it too. Every feature the prose names carries the control's count of the same label.
 */
final class ControlComparison {
    static final String REPORT_NAME = "report.md";
    static final String JSON_NAME = "comparison.json";
    /** Significance level the prose counts effects at. */
    static final double ALPHA = 0.01;

    /** Label types in table order (seed mode never produces sequence-specialized or insufficient-evidence). */
    static final List<String> TYPES = List.of(SoundRules.OPERATION_SPECIALIZED, SoundRules.VALUE_SPECIALIZED, SoundRules.SEQUENCE_SPECIALIZED,
            SoundRules.HIGHLY_SPECIALIZED, SeedRules.GENERAL, SoundRules.INSUFFICIENT_EVIDENCE);
    /** The types that claim a specialization. */
    static final List<String> SPECIALIZED = TYPES.subList(0, 4);
    /** Upper edges of the q-value bins (the last bin is everything at or above the last edge). */
    static final double[] Q_EDGES = {0.001, 0.01, 0.05, 0.1};

    private ControlComparison() {}

    /** Whether a count on the trained model stands out from the control's: at least twice as many plus two. */
    static boolean separates(int trained, int control) {
        return trained >= 2 * control + 2;
    }

    /** Per rank band label of the band ("ranks 1-20"), then per type, the count; plus "all bands". */
    static Map<String, Map<String, Integer>> typeCounts(StudyResult r) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        Map<String, Integer> all = new LinkedHashMap<>();
        for (BandResult b : r.bands()) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String t : TYPES) counts.put(t, 0);
            for (FeatureAnalysis f : b.features()) {
                counts.merge(f.type(), 1, Integer::sum);
                all.merge(f.type(), 1, Integer::sum);
            }
            out.put("ranks " + b.band().from() + "-" + b.band().to(), counts);
        }
        Map<String, Integer> total = new LinkedHashMap<>();
        for (String t : TYPES) total.put(t, all.getOrDefault(t, 0));
        out.put("all bands", total);
        return out;
    }

    static int total(StudyResult r, String type) {
        return typeCounts(r).get("all bands").getOrDefault(type, 0);
    }

    /** Sound-mode enrichment tests of the analysed (band) features: counts per q-value bin, all patterns and operations only. */
    record QDistribution(int[] all, int[] operations, int enrichedOperations, int tests) {}

    static QDistribution qDistribution(StudyResult sound) {
        int[] all = new int[Q_EDGES.length + 1];
        int[] ops = new int[Q_EDGES.length + 1];
        int enrichedOps = 0;
        int tests = 0;
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (BandResult b : sound.bands()) {
            for (FeatureAnalysis f : b.features()) {
                if (!seen.add(f.featureId())) continue;
                for (PatternTest t : f.evidence()) {
                    int bin = bin(t.qValue());
                    all[bin]++;
                    tests++;
                    if (t.pattern().kind() == PatternKind.OPERATION) {
                        ops[bin]++;
                        if (t.enriched()) enrichedOps++;
                    }
                }
            }
        }
        return new QDistribution(all, ops, enrichedOps, tests);
    }

    private static int bin(double q) {
        for (int i = 0; i < Q_EDGES.length; i++) {
            if (q < Q_EDGES[i]) return i;
        }
        return Q_EDGES.length;
    }

    /** A feature's sound-mode label as analysed (band features), or null when it is in no band. */
    static FeatureAnalysis labelOf(StudyResult r, int feature) {
        for (BandResult b : r.bands()) {
            for (FeatureAnalysis f : b.features()) {
                if (f.featureId() == feature) return f;
            }
        }
        return null;
    }

    /** Features of {@code r} labelled operation-specialized with {@code op}. */
    static int operationFeatures(StudyResult r, Operation op) {
        int n = 0;
        for (BandResult b : r.bands()) {
            for (FeatureAnalysis f : b.features()) {
                if (SoundRules.OPERATION_SPECIALIZED.equals(f.type()) && op.label().equals(f.description())) n++;
            }
        }
        return n;
    }

    static long significantAblations(ValidationResult v) {
        return v.general().stream().filter(f -> f.ablation() != null && f.ablation().mcNemarP() < ALPHA).count();
    }

    static long significantInteractions(ValidationResult v) {
        return v.operations().stream().filter(o -> o.interaction() != null && o.interaction().pLess() < ALPHA).count();
    }

    static List<Path> write(Demo demo, ModelStudy.Result trained, ModelStudy.Result control) throws IOException {
        Path md = demo.out().resolve(REPORT_NAME);
        AtomicFiles.writeString(md, render(demo, trained, control));
        Path json = demo.out().resolve(JSON_NAME);
        AtomicFiles.writeString(json, StudyJson.MAPPER.writeValueAsString(json(demo, trained, control)) + "\n");
        return List.of(md, json);
    }

    // ---- Markdown ----------------------------------------------------------------------------------

    static String render(Demo demo, ModelStudy.Result trained, ModelStudy.Result control) {
        StringBuilder md = new StringBuilder();
        md.append("# The study on a model that computes, next to its control\n\n");
        md.append("Two models with the same architecture (4 llama blocks, width 128, the arithmetic vocabulary) read the same tokens: **")
                .append(ModelStudy.Role.TRAINED.description).append("** and **").append(ModelStudy.Role.CONTROL.description)
                .append("**. Findings on random weights mean nothing, and SAEs on random-init transformers also yield "
                        + "\"interpretable\" latents (Heap et al. 2025, arXiv 2501.17727), so every number below is shown for both, "
                        + "and the text says what survives the control.\n\n");
        md.append(String.format(Locale.ROOT, "**Input.** %d synthetic problems (generator preset `lm`, seed %d). Each input is the question "
                        + "plus the reference chain of thought up to the anchor `%s` (the last digit of the first operand: the next token is "
                        + "the first operator, which the model must decide here); the residual stream is read at that last token "
                        + "(position -1) after blocks %s. Both models read exactly these tokens, so positions line up. "
                        + "**SAEs**: Top-K, K = %d, %d latents, trained per block and model on every token of %d reference sequences "
                        + "(question + chain + answer), so their codes are in distribution wherever the ablations act. "
                        + "**Validation**: the first %d held-out problems with the same anchor; each feature is ablated (error term kept) at "
                        + "every position and every generated token of block %d; greedy generation of up to %d tokens.%n%n",
                demo.samples(), demo.seed(), demo.anchor().label(), demo.blocks(), demo.k(), demo.latents(), demo.saeSequences(),
                demo.validationProblems(), demo.blocks().get(0), demo.maxTokens()));
        md.append("Details per model: [trained](trained/feature-specialization-report.md) ([validation](trained/validation.md), "
                + "[dashboard](trained/dashboard/index.html)) and [control](control/feature-specialization-report.md) "
                + "([validation](control/validation.md), [dashboard](control/dashboard/index.html)).\n\n");

        md.append("## What survives the control\n\n");
        for (String s : statements(demo, trained, control)) md.append("- ").append(s).append('\n');
        md.append('\n');

        md.append(accuracySection(demo, trained.accuracy(), control.accuracy()));
        md.append(probeSection(demo, trained, control));
        md.append(saeSection(trained, control));
        md.append(labelSection(trained, control));
        md.append(qSection(trained, control));
        md.append(validationSection(demo, trained, control));
        return md.toString();
    }

    /** The report's statements, each computed from the numbers of both models. */
    static List<String> statements(Demo demo, ModelStudy.Result trained, ModelStudy.Result control) {
        List<String> out = new ArrayList<>();
        GreedyAccuracy ta = trained.accuracy();
        GreedyAccuracy ca = control.accuracy();
        out.add(String.format(Locale.ROOT, "**Accuracy**: the trained model solves %s of %d held-out problems (greedy, exact answer), "
                + "the control %s: one computes, the other does not.", pct(ta.accuracy()), ta.n(), pct(ca.accuracy())));
        ModelStudy.Layer t0 = trained.layers().get(0);
        ModelStudy.Layer c0 = control.layers().get(0);
        out.add(String.format(Locale.ROOT, "**Where the operation is**: at the anchor, the first operation reads out linearly from block %d's "
                        + "residual stream at %s on the trained model and %s on the control (chance ~25 %%)%s.",
                t0.block(), pct(t0.operationProbe()), pct(c0.operationProbe()),
                t0.operationProbe() >= c0.operationProbe() + 0.2 ? ": the trained model holds the quantity it is about to use, the control does not"
                        : ": the probe does not separate the models at this position"));
        for (AnalysisMode mode : List.of(AnalysisMode.SOUND, AnalysisMode.SEED)) {
            List<String> parts = new ArrayList<>();
            for (String type : SPECIALIZED) {
                if (mode == AnalysisMode.SEED && type.equals(SoundRules.SEQUENCE_SPECIALIZED)) continue;
                int t = 0;
                int c = 0;
                for (int i = 0; i < trained.layers().size(); i++) {
                    t += total(trained.layers().get(i).analysis(mode), type);
                    c += total(control.layers().get(i).analysis(mode), type);
                }
                parts.add(countVerdict(t, c, type, mode));
            }
            out.add("**" + mode.label() + " mode** (blocks " + demo.blocks() + ", all rank bands): " + String.join("; ", parts) + ".");
        }
        QDistribution tq = qDistribution(t0.analysis(AnalysisMode.SOUND));
        QDistribution cq = qDistribution(c0.analysis(AnalysisMode.SOUND));
        out.add(String.format(Locale.ROOT, "**Enrichment** (sound mode, block %d): %d of %d operation tests enriched on the trained model, "
                        + "%d of %d on the control%s.", t0.block(), tq.enrichedOperations(), sum(tq.operations()), cq.enrichedOperations(),
                sum(cq.operations()), separates(tq.enrichedOperations(), cq.enrichedOperations()) ? ": survives the control"
                        : ": the control shows it too"));
        ValidationResult tv = trained.validation();
        ValidationResult cv = control.validation();
        out.add(String.format(Locale.ROOT, "**Ablation** (block %d, %d problems): %d of %d top features change the trained model's accuracy "
                        + "at McNemar p < %s, %d of %d on the control%s.", demo.blocks().get(0), tv.numSamples(), significantAblations(tv),
                tv.general().size(), num(ALPHA), significantAblations(cv), cv.general().size(),
                significantAblations(cv) == 0 ? " (which, at " + pct(cv.cleanAccuracy()) + " clean accuracy, has nothing to lose)" : ""));
        out.add(interactionStatement(trained, control, "trained model"));
        out.add(interactionStatement(control, trained, "control"));
        return out;
    }

    /** "X features on the trained model, Y on the control: verdict". */
    static String countVerdict(int t, int c, String type, AnalysisMode mode) {
        String head = t + " " + type + " on the trained model, " + c + " on the control";
        if (t == 0 && c == 0) return "no " + type + " feature on either model";
        if (separates(t, c)) return head + ": survives the control";
        if (separates(c, t)) return head + ": the control has more";
        return head + ": the control shows it too (" + mode.label() + "-mode " + type + " labels do not separate the two)";
    }

    private static String interactionStatement(ModelStudy.Result r, ModelStudy.Result other, String who) {
        List<OperationResult> ops = r.validation().operations();
        StudyResult own = r.layers().get(0).analysis(AnalysisMode.SOUND);
        StudyResult others = other.layers().get(0).analysis(AnalysisMode.SOUND);
        if (ops.isEmpty()) {
            return "**Operation level, " + who + "**: no feature is labelled operation-specialized in sound mode at block "
                    + r.layers().get(0).block() + ", so there is nothing to test.";
        }
        List<String> hits = new ArrayList<>();
        for (OperationResult o : ops) {
            AccuracyInteraction t = o.interaction();
            if (t == null || t.pLess() >= ALPHA) continue;
            hits.add(String.format(Locale.ROOT, "feature %d (labelled %s; %d such feature%s on the %s) changes accuracy by %s on %s problems "
                            + "and by %s on the others (interaction p = %s)", o.feature(), o.operation().label(),
                    operationFeatures(others, o.operation()), operationFeatures(others, o.operation()) == 1 ? "" : "s",
                    who.equals("control") ? "trained model" : "control", signedPts(t.deltaTarget()), o.operation().label(),
                    signedPts(t.deltaOther()), p(t.pLess())));
        }
        String head = String.format(Locale.ROOT, "**Operation level, %s**: %d of %d operation-specialized features hurt their own operation's "
                + "problems more than the others (exact interaction test, p < %s)", who, hits.size(), ops.size(), num(ALPHA));
        return hits.isEmpty() ? head + "." : head + ": " + String.join("; ", hits) + ".";
    }

    private static String accuracySection(Demo demo, GreedyAccuracy t, GreedyAccuracy c) {
        StringBuilder s = new StringBuilder("## Accuracy\n\n");
        s.append(String.format(Locale.ROOT, "Greedy generation from the question alone, at most %d new tokens, exact final answer "
                + "(after `####`, else the last number), on the first %d held-out problems of the shipped model's card (questions never "
                + "seen in training). Per operation: problems whose chain uses it.%n%n", demo.maxTokens(), t.n()));
        s.append("| problems | trained | control |\n|---|---:|---:|\n");
        s.append(String.format(Locale.ROOT, "| all | %s (%d/%d) | %s (%d/%d) |%n", pct(t.accuracy()), t.correct(), t.n(), pct(c.accuracy()),
                c.correct(), c.n()));
        for (Operation op : Operation.values()) {
            GreedyAccuracy.Tally a = t.byOperation().get(op);
            GreedyAccuracy.Tally b = c.byOperation().get(op);
            if (a == null || b == null) continue;
            s.append(String.format(Locale.ROOT, "| %s | %s (%d/%d) | %s (%d/%d) |%n", op.label(), pct(a.accuracy()), a.correct(), a.n(),
                    pct(b.accuracy()), b.correct(), b.n()));
        }
        for (Map.Entry<Integer, GreedyAccuracy.Tally> e : t.bySteps().entrySet()) {
            GreedyAccuracy.Tally b = c.bySteps().get(e.getKey());
            if (b == null) continue;
            s.append(String.format(Locale.ROOT, "| %d step%s | %s (%d/%d) | %s (%d/%d) |%n", e.getKey(), e.getKey() == 1 ? "" : "s",
                    pct(e.getValue().accuracy()), e.getValue().correct(), e.getValue().n(), pct(b.accuracy()), b.correct(), b.n()));
        }
        return s.append('\n').toString();
    }

    private static String probeSection(Demo demo, ModelStudy.Result t, ModelStudy.Result c) {
        StringBuilder s = new StringBuilder("## Where the operation is\n\n");
        s.append("The first operation of each study input read out of the residual stream at the anchor: nearest class centroid on "
                + "standardized rows, 5-fold cross-validated (chance ~25 %, four operations about equally frequent). "
                + "`bench/tools/OperationProbe.java` runs the same probe at every anchor and generated step.\n\n");
        s.append("| block | trained | control |\n|---:|---:|---:|\n");
        for (int i = 0; i < t.layers().size(); i++) {
            s.append(String.format(Locale.ROOT, "| %d | %s | %s |%n", t.layers().get(i).block(), pct(t.layers().get(i).operationProbe()),
                    pct(c.layers().get(i).operationProbe())));
        }
        return s.append('\n').toString();
    }

    private static String saeSection(ModelStudy.Result t, ModelStudy.Result c) {
        StringBuilder s = new StringBuilder("## SAE quality\n\n");
        s.append("Explained variance = 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖². *All tokens*: the SAE's training rows (every token of the "
                + "reference sequences), last epoch. *Anchor*: the study inputs at the analysed position, encoded inside the forward pass.\n\n");
        s.append("| block | model | EV all tokens | EV anchor | MSE anchor | mean cosine anchor | L0 | dead latents (all tokens) | "
                + "never active at the anchor |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < t.layers().size(); i++) {
            for (ModelStudy.Result r : List.of(t, c)) {
                ModelStudy.Layer l = r.layers().get(i);
                MetricsSummary all = l.training().finalMetrics();
                MetricsSummary a = l.atAnchor();
                s.append(String.format(Locale.ROOT, "| %d | %s | %.4f | %.4f | %.4g | %.4f | %.2f | %s | %d of %d |%n", l.block(), r.role().folder,
                        all.explainedVariance(), a.explainedVariance(), a.mse(), a.meanCosine(), a.l0(), pct(all.deadFraction()),
                        a.deadLatents(), l.statistics().numFeatures()));
            }
        }
        return s.append('\n').toString();
    }

    private static String labelSection(ModelStudy.Result t, ModelStudy.Result c) {
        StringBuilder s = new StringBuilder("## Labels by type and rank band, both modes\n\n");
        s.append("Features ranked by activation frequency at the anchor; every live feature of a band is labelled from its top samples' "
                + "chains of thought. `sound`: whole numbers, parsed operations and sequences, a minimum support, enrichment against the "
                + "base rates with Benjamini–Hochberg FDR. `seed`: the reference study's rules, quirks included. Cells: trained / control.\n\n");
        for (int i = 0; i < t.layers().size(); i++) {
            int block = t.layers().get(i).block();
            for (AnalysisMode mode : List.of(AnalysisMode.SOUND, AnalysisMode.SEED)) {
                Map<String, Map<String, Integer>> tc = typeCounts(t.layers().get(i).analysis(mode));
                Map<String, Map<String, Integer>> cc = typeCounts(c.layers().get(i).analysis(mode));
                s.append("**Block ").append(block).append(", ").append(mode.label()).append(" mode**\n\n| type |");
                for (String band : tc.keySet()) s.append(' ').append(band).append(" |");
                s.append("\n|---|");
                for (int k = 0; k < tc.size(); k++) s.append("---:|");
                s.append('\n');
                for (String type : TYPES) {
                    if (mode == AnalysisMode.SEED && (type.equals(SoundRules.SEQUENCE_SPECIALIZED) || type.equals(SoundRules.INSUFFICIENT_EVIDENCE))) {
                        continue;
                    }
                    s.append("| ").append(type).append(" |");
                    for (String band : tc.keySet()) {
                        s.append(' ').append(tc.get(band).getOrDefault(type, 0)).append(" / ")
                                .append(cc.getOrDefault(band, Map.of()).getOrDefault(type, 0)).append(" |");
                    }
                    s.append('\n');
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

    private static String qSection(ModelStudy.Result t, ModelStudy.Result c) {
        StringBuilder s = new StringBuilder("## Enrichment q-values (sound mode)\n\n");
        s.append("Every enrichment test of the analysed features (one-sided hypergeometric, Benjamini–Hochberg over the run), by "
                + "q-value; operations = tests of the four operation patterns.\n\n");
        s.append("| block | model | tests | q < 0.001 | 0.001–0.01 | 0.01–0.05 | 0.05–0.1 | ≥ 0.1 | operation tests: q < 0.001 | "
                + "0.001–0.01 | 0.01–0.05 | 0.05–0.1 | ≥ 0.1 | enriched operations |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < t.layers().size(); i++) {
            for (ModelStudy.Result r : List.of(t, c)) {
                QDistribution q = qDistribution(r.layers().get(i).analysis(AnalysisMode.SOUND));
                s.append("| ").append(r.layers().get(i).block()).append(" | ").append(r.role().folder).append(" | ").append(q.tests()).append(" |");
                for (int v : q.all()) s.append(' ').append(v).append(" |");
                for (int v : q.operations()) s.append(' ').append(v).append(" |");
                s.append(' ').append(q.enrichedOperations()).append(" |\n");
            }
        }
        return s.append('\n').toString();
    }

    private static String validationSection(Demo demo, ModelStudy.Result t, ModelStudy.Result c) {
        StringBuilder s = new StringBuilder("## Causal validation (block ").append(demo.blocks().get(0)).append(")\n\n");
        s.append(String.format(Locale.ROOT, "Clean accuracy on the validation inputs (question + chain up to the anchor, the model completes "
                        + "it): trained %s, control %s. Each row ablates one feature at every position and generated token; Δ acc = ablated − "
                        + "clean with a paired bootstrap 95 %% interval; McNemar exact p on the %d paired problems. Sanity checks (identity "
                        + "swap, null ablation, scale by 1 bit-identical): trained %s, control %s.%n%n",
                pct(t.validation().cleanAccuracy()), pct(c.validation().cleanAccuracy()), t.validation().numSamples(),
                t.validation().sanity().passed() ? "passed" : "FAILED", c.validation().sanity().passed() ? "passed" : "FAILED"));
        for (ModelStudy.Result r : List.of(t, c)) {
            StudyResult sound = r.layers().get(0).analysis(AnalysisMode.SOUND);
            s.append("**").append(r.role().folder.equals("trained") ? "Trained model" : "Control").append(": the most frequent features**\n\n");
            s.append("| rank | feature | freq | sound label | acc clean → ablated | Δ acc [95 % CI] | McNemar p |\n|---:|---:|---:|---|---|---|---:|\n");
            for (ValidatedFeature f : r.validation().general()) {
                ConditionResult a = f.ablation();
                s.append(String.format(Locale.ROOT, "| %d | %d | %.3f | %s | %s | %s | %s |%n", f.rank(), f.featureId(), f.summary().activationFreq(),
                        label(sound, f.featureId()), a == null ? "" : String.format(Locale.ROOT, "%.3f → %.3f", a.cleanAccuracy(), a.editedAccuracy()),
                        a == null ? "" : interval(a.accuracyDelta()), a == null ? "" : p(a.mcNemarP())));
            }
            s.append('\n');
        }
        s.append("**Operation level**: the most frequent sound-mode operation-specialized feature of each operation, ablated; Δ with / "
                + "without = accuracy change on the problems whose chain uses the operation / on the others; interaction p = exact "
                + "permutation test that the ablation lowers accuracy more on the operation's problems (conditional on each problem being "
                + "broken, fixed or unchanged); the last column counts the other model's features with the same label.\n\n");
        s.append("| model | feature | operation | n with / without | Δ acc with | Δ acc without | difference [95 % CI] | interaction p | "
                + "same label on the other model |\n|---|---:|---|---|---:|---:|---|---:|---:|\n");
        for (ModelStudy.Result r : List.of(t, c)) {
            ModelStudy.Result other = r == t ? c : t;
            if (r.validation().operations().isEmpty()) {
                s.append("| ").append(r.role().folder).append(" | – | no operation-specialized feature | | | | | | |\n");
            }
            for (OperationResult o : r.validation().operations()) {
                AccuracyInteraction in = o.interaction();
                s.append(String.format(Locale.ROOT, "| %s | %d | %s | %d / %d | %s | %s | %s | %s | %d |%n", r.role().folder, o.feature(),
                        o.operation().label(), o.withOperation(), o.without(), in == null ? "n/a" : signedPts(in.deltaTarget()),
                        in == null ? "n/a" : signedPts(in.deltaOther()), interval(o.difference()), in == null ? "n/a" : p(in.pLess()),
                        operationFeatures(other.layers().get(0).analysis(AnalysisMode.SOUND), o.operation())));
            }
        }
        return s.append('\n').toString();
    }

    private static String label(StudyResult sound, int feature) {
        FeatureAnalysis f = labelOf(sound, feature);
        if (f == null) return "(in no band)";
        return f.type().equals(SeedRules.GENERAL) || f.type().equals(SoundRules.INSUFFICIENT_EVIDENCE) ? f.type()
                : f.type() + ": " + f.description();
    }

    // ---- JSON --------------------------------------------------------------------------------------

    static ObjectNode json(Demo demo, ModelStudy.Result trained, ModelStudy.Result control) {
        ObjectNode root = StudyJson.MAPPER.createObjectNode();
        ObjectNode cfg = root.putObject("config");
        cfg.put("samples", demo.samples());
        cfg.put("seed", demo.seed());
        cfg.put("anchor", demo.anchor().label());
        cfg.put("position", -1);
        ArrayNode blocks = cfg.putArray("blocks");
        demo.blocks().forEach(blocks::add);
        cfg.put("latents", demo.latents());
        cfg.put("k", demo.k());
        cfg.put("sae_sequences", demo.saeSequences());
        cfg.put("held_out", demo.heldOut());
        cfg.put("validation_problems", demo.validationProblems());
        ArrayNode statements = root.putArray("statements");
        statements(demo, trained, control).forEach(statements::add);
        for (ModelStudy.Result r : List.of(trained, control)) {
            ObjectNode m = root.putObject(r.role().folder);
            m.put("model", r.model().getFileName().toString());
            m.set("accuracy", StudyJson.MAPPER.valueToTree(r.accuracy().report(0)));
            ArrayNode layers = m.putArray("layers");
            for (ModelStudy.Layer l : r.layers()) {
                ObjectNode n = layers.addObject();
                n.put("block", l.block());
                n.put("operation_probe", l.operationProbe());
                n.put("ev_all_tokens", l.training().finalMetrics().explainedVariance());
                n.put("dead_fraction_all_tokens", l.training().finalMetrics().deadFraction());
                n.put("ev_anchor", l.atAnchor().explainedVariance());
                n.put("mse_anchor", l.atAnchor().mse());
                n.put("l0_anchor", l.atAnchor().l0());
                n.put("never_active_at_anchor", l.atAnchor().deadLatents());
                ObjectNode counts = n.putObject("type_counts");
                for (AnalysisMode mode : AnalysisMode.values()) {
                    counts.set(mode.label(), StudyJson.MAPPER.valueToTree(typeCounts(l.analysis(mode))));
                }
                QDistribution q = qDistribution(l.analysis(AnalysisMode.SOUND));
                ObjectNode qn = n.putObject("q_values");
                qn.put("tests", q.tests());
                qn.set("edges", StudyJson.MAPPER.valueToTree(Q_EDGES));
                qn.set("all", StudyJson.MAPPER.valueToTree(q.all()));
                qn.set("operations", StudyJson.MAPPER.valueToTree(q.operations()));
                qn.put("enriched_operations", q.enrichedOperations());
            }
            ObjectNode v = m.putObject("validation");
            v.put("block", r.validation().config().block());
            v.put("problems", r.validation().numSamples());
            v.put("clean_accuracy", r.validation().cleanAccuracy());
            v.put("sanity_passed", r.validation().sanity().passed());
            ArrayNode abl = v.putArray("top_features");
            for (ValidatedFeature f : r.validation().general()) {
                ObjectNode a = abl.addObject();
                a.put("feature", f.featureId());
                a.put("rank", f.rank());
                if (f.ablation() != null) {
                    a.put("clean_accuracy", f.ablation().cleanAccuracy());
                    a.put("ablated_accuracy", f.ablation().editedAccuracy());
                    intervalJson(a, "delta", f.ablation().accuracyDelta());
                    a.put("mcnemar_p", f.ablation().mcNemarP());
                }
            }
            ArrayNode ops = v.putArray("operation_level");
            for (OperationResult o : r.validation().operations()) {
                ObjectNode a = ops.addObject();
                a.put("feature", o.feature());
                a.put("operation", o.operation().label());
                a.put("with", o.withOperation());
                a.put("without", o.without());
                intervalJson(a, "difference", o.difference());
                if (o.interaction() != null) {
                    a.put("delta_with", o.interaction().deltaTarget());
                    a.put("delta_without", o.interaction().deltaOther());
                    a.put("interaction_p", o.interaction().pLess());
                    a.put("interaction_p_two_sided", o.interaction().pTwoSided());
                }
            }
            ObjectNode secs = m.putObject("seconds");
            r.seconds().forEach(secs::put);
        }
        return root;
    }

    private static void intervalJson(ObjectNode n, String key, Interval i) {
        if (i == null) return;
        ObjectNode o = n.putObject(key);
        o.put("estimate", i.estimate());
        o.put("lower", i.lower());
        o.put("upper", i.upper());
        o.put("level", i.level());
    }

    // ---- formatting --------------------------------------------------------------------------------

    private static int sum(int[] x) {
        int s = 0;
        for (int v : x) s += v;
        return s;
    }

    static String pct(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * x);
    }

    private static String signedPts(double x) {
        return String.format(Locale.ROOT, "%+.1f points", 100 * x);
    }

    private static String p(double p) {
        return String.format(Locale.ROOT, "%.2g", p);
    }

    private static String num(double x) {
        return String.format(Locale.ROOT, "%s", x);
    }

    private static String interval(Interval i) {
        if (i == null) return "n/a";
        return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", i.estimate(), i.lower(), i.upper());
    }
}
