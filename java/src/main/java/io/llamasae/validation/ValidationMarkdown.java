package io.llamasae.validation;

import io.llamasae.analysis.Interval;
import java.util.Locale;

/** The validation section of the report ({@code validation.md}). */
public final class ValidationMarkdown {
    private ValidationMarkdown() {}

    public static String render(ValidationResult r, String plotFile) {
        ValidationConfig c = r.config();
        StringBuilder s = new StringBuilder();
        s.append("## Causal validation (layer ").append(c.layer()).append(", position ").append(c.position()).append(")\n\n");
        s.append(String.format(Locale.ROOT, "%s; edits at block %d (%s convention layer %d), scope `%s`, %s update, "
                        + "greedy generation of up to %d tokens. Clean accuracy %.3f (%.1f%% of clean answers extractable).%n%n",
                r.provenance().dataset().isEmpty() ? r.numSamples() + " samples" : r.provenance().dataset(), c.block(), c.layerConvention(),
                c.layer(), c.scope().label(), c.replaceWithReconstruction() ? "reconstruction (h' = decode(z'))" : "error-preserving",
                c.maxTokens(), r.cleanAccuracy(), 100 * r.cleanAnswered()));
        SanityChecks sc = r.sanity();
        s.append("### Sanity checks\n\n");
        s.append(String.format(Locale.ROOT, "On %d prompts: identity swap (latent %d) %s, null ablation (latent %d, scope %s) %s, "
                        + "scale by 1 %s (bit-identical last-token logits). Reconstruction fidelity %.3f (argmax next token unchanged "
                        + "with h replaced by decode(encode(h)) at the position; mean KL %.4g nats, mean cosine %.4f).%n%n",
                sc.prompts(), sc.swapLatent(), pass(sc.identitySwap()), sc.inactiveLatent(), sc.nullAblationScope(), pass(sc.nullAblation()),
                pass(sc.scaleOne()), sc.reconstructionFidelity(), sc.reconstructionMeanKl(), sc.reconstructionCosine()));
        if (!sc.passed()) s.append("**A sanity check failed: the results below are not trustworthy.**\n\n");

        s.append("### Ground truth: ablating the most frequent features\n\n");
        s.append("| rank | feature | freq | mean impact | max impact | class | acc clean → ablated | Δ acc [").append(pct(c.level()))
                .append(" CI] | McNemar p | mean KL | changed |\n");
        s.append("|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|\n");
        for (ValidatedFeature f : r.general()) {
            ConditionResult a = f.ablation();
            s.append(String.format(Locale.ROOT, "| %d | %d | %.4f | %.4g | %.4g | %s | %s | %s | %s | %s | %s |%n", f.rank(), f.featureId(),
                    f.summary().activationFreq(), f.impact().meanImpact(), f.impact().maxImpact(), f.classification(),
                    a == null ? "" : String.format(Locale.ROOT, "%.3f → %.3f", a.cleanAccuracy(), a.editedAccuracy()),
                    a == null ? "" : interval(a.accuracyDelta()), a == null ? "" : p(a.mcNemarP()),
                    a == null ? "" : g4(a.meanKl()),
                    a == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * a.changedGenerations())));
        }
        s.append('\n');
        if (!r.specialized().isEmpty()) {
            s.append("### Specialized and targeted features\n\n| feature | type | description | freq | mean impact | class |\n"
                    + "|---:|---|---|---:|---:|---|\n");
            for (ValidatedFeature f : r.specialized()) {
                s.append(String.format(Locale.ROOT, "| %d | %s | %s | %.4g | %.4g | %s |%n", f.featureId(), f.specializationType(),
                        f.description(), f.summary().activationFreq(), f.impact().meanImpact(), f.classification()));
            }
            s.append('\n');
        }
        if (!r.operations().isEmpty()) {
            s.append("### Operation level\n\n| feature | operation | n with / without | Δ acc with | Δ acc without | difference | "
                    + "McNemar p (with) | interaction p (hurts the operation more) | feasibility |\n|---:|---|---|---|---|---|---:|---:|---|\n");
            for (OperationResult o : r.operations()) {
                s.append(String.format(Locale.ROOT, "| %d | %s | %d / %d | %s | %s | %s | %s | %s | %s (MDE %s) |%n", o.feature(),
                        o.operation().label(), o.withOperation(), o.without(), interval(o.deltaWith()), interval(o.deltaWithout()),
                        interval(o.difference()), p(o.mcNemarPWith()), o.interaction() == null ? "n/a" : p(o.interaction().pLess()),
                        o.feasibility().verdict(), mde(o.feasibility().minDetectableDelta())));
            }
            s.append("\nΔ acc with / without = accuracy change on the problems whose chain uses the operation / on the others. "
                    + "The interaction p tests whether the ablation lowers accuracy more on the operation's problems than on the others: "
                    + "an exact permutation test of the difference in accuracy change (conditional on each problem's change "
                    + "broken / fixed / unchanged; one-sided).\n\n");
        }
        conditions(s, "Amplification sweeps", r.amplifications(), c);
        conditions(s, "Swaps", r.swaps(), c);
        if (plotFile != null) s.append("![ablation impact and accuracy change](").append(plotFile).append(")\n\n");
        s.append("Impact = mean over samples of mean|decode(z') − decode(z)| at the analysed position (inactive samples count 0); "
                + String.format(Locale.ROOT, "HIGH above %.3g, MEDIUM above %.3g (thresholds inferred from the reference file). ",
                c.thresholds().high(), c.thresholds().medium())
                + "Δ acc = edited − clean accuracy, paired percentile bootstrap (" + c.bootstrapResamples() + " resamples); "
                + "KL = KL(clean ‖ edited) of the first generated token's distribution.\n");
        return s.toString();
    }

    private static void conditions(StringBuilder s, String title, java.util.List<ConditionResult> list, ValidationConfig c) {
        if (list.isEmpty()) return;
        s.append("### ").append(title).append("\n\n");
        s.append("Active samples are counted at the analysed position; with scope `all` an edit also acts where the feature is active "
                + "at other positions, so a condition can change generations with 0 active samples.\n\n");
        s.append("| condition | active samples | feasibility | acc clean → edited | Δ acc [").append(pct(c.level()))
                .append(" CI] | McNemar p | mean KL | changed |\n|---|---:|---|---|---|---:|---:|---:|\n");
        for (ConditionResult a : list) {
            s.append(String.format(Locale.ROOT, "| %s | %d | %s (MDE %s) | %.3f → %.3f | %s | %s | %s | %.1f%% |%n", a.condition().label(),
                    a.activeSamples(), a.feasibility().verdict(), mde(a.feasibility().minDetectableDelta()), a.cleanAccuracy(), a.editedAccuracy(),
                    interval(a.accuracyDelta()), p(a.mcNemarP()), g4(a.meanKl()), 100 * a.changedGenerations()));
        }
        s.append('\n');
    }

    /** 4 significant digits; exactly 0 (bit-identical logits) prints as "0". */
    private static String g4(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.4g", v);
    }

    private static String mde(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    private static String pass(boolean ok) {
        return ok ? "passed" : "**FAILED**";
    }

    private static String pct(double level) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * level);
    }

    private static String p(double p) {
        return String.format(Locale.ROOT, "%.3g", p);
    }

    static String interval(Interval i) {
        if (i == null) return "n/a";
        return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", i.estimate(), i.lower(), i.upper());
    }
}
