package io.llamasae.validation;

import io.llamasae.analysis.AccuracyInteraction;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.Feasibility;
import io.llamasae.analysis.Interval;
import io.llamasae.report.StudyJson;

/**
 * {@code validation_results_layer{L}_pos{P}.json}: the reference file's keys (metadata with layer,
 * position, num_samples, sanity_checks {identity_swap, null_ablation, reconstruction_fidelity},
 * validation_date; general_features [{rank, feature_id, activation_freq, mean_impact, max_impact,
 * classification}]; specialized_features [{feature_id, specialization_type, description,
 * activation_freq, mean_impact, classification}]) plus extra fields: the ground-truth ablation of
 * each feature, amplification sweeps, swaps and operation-level tests. Non-finite numbers are
 * written as null.
 */
public final class ValidationJson {
    private ValidationJson() {}

    public static String fileName(ValidationConfig c) {
        return "validation_results_layer" + c.layer() + "_pos" + c.position() + ".json";
    }

    public static ObjectNode render(ValidationResult r) {
        ValidationConfig c = r.config();
        ObjectNode root = StudyJson.MAPPER.createObjectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("layer", c.layer());
        meta.put("position", c.position());
        meta.put("num_samples", r.numSamples());
        ObjectNode sanity = meta.putObject("sanity_checks");
        SanityChecks s = r.sanity();
        sanity.put("identity_swap", s.identitySwap());
        sanity.put("null_ablation", s.nullAblation());
        num(sanity, "reconstruction_fidelity", s.reconstructionFidelity());
        sanity.put("scale_by_one", s.scaleOne());
        sanity.put("prompts", s.prompts());
        num(sanity, "reconstruction_mean_kl", s.reconstructionMeanKl());
        num(sanity, "reconstruction_cosine", s.reconstructionCosine());
        sanity.put("swap_latent", s.swapLatent());
        sanity.put("inactive_latent", s.inactiveLatent());
        sanity.put("null_ablation_scope", s.nullAblationScope());
        sanity.put("reconstruction_fidelity_definition",
                "fraction of prompts whose argmax next token is unchanged when the residual at the analysed position is replaced by decode(encode(h))");
        meta.put("validation_date", r.date());
        meta.put("block", c.block());
        meta.put("layer_convention", c.layerConvention());
        meta.put("model", r.provenance().model());
        meta.put("sae", r.provenance().sae());
        meta.put("dataset", r.provenance().dataset());
        meta.put("intervention_scope", c.scope().label());
        meta.put("update", c.replaceWithReconstruction() ? "reconstruction" : "error-preserving");
        meta.put("max_tokens", c.maxTokens());
        num(meta, "clean_accuracy", r.cleanAccuracy());
        num(meta, "clean_answered", r.cleanAnswered());
        meta.put("bootstrap_resamples", c.bootstrapResamples());
        meta.put("bootstrap_seed", c.seed());
        meta.put("interval_level", c.level());
        ObjectNode th = meta.putObject("impact_thresholds");
        th.put("high_above", c.thresholds().high());
        th.put("medium_above", c.thresholds().medium());
        meta.put("impact_definition", "mean over samples of mean|decode(z') - decode(z)| at the analysed position (inactive samples count 0)");

        ArrayNode general = root.putArray("general_features");
        for (ValidatedFeature f : r.general()) {
            ObjectNode n = general.addObject();
            n.put("rank", f.rank());
            n.put("feature_id", f.featureId());
            num(n, "activation_freq", f.summary().activationFreq());
            num(n, "mean_impact", f.impact().meanImpact());
            num(n, "max_impact", f.impact().maxImpact());
            n.put("classification", f.classification());
            num(n, "mean_l2_impact", f.impact().meanL2());
            if (f.ablation() != null) n.set("ablation", condition(f.ablation()));
        }
        ArrayNode specialized = root.putArray("specialized_features");
        for (ValidatedFeature f : r.specialized()) {
            ObjectNode n = specialized.addObject();
            n.put("feature_id", f.featureId());
            n.put("specialization_type", f.specializationType());
            n.put("description", f.description());
            num(n, "activation_freq", f.summary().activationFreq());
            num(n, "mean_impact", f.impact().meanImpact());
            n.put("classification", f.classification());
            n.put("rank", f.rank());
            num(n, "max_impact", f.impact().maxImpact());
            num(n, "mean_l2_impact", f.impact().meanL2());
            if (f.ablation() != null) n.set("ablation", condition(f.ablation()));
        }
        ArrayNode amps = root.putArray("amplifications");
        for (ConditionResult a : r.amplifications()) amps.add(condition(a));
        ArrayNode swaps = root.putArray("swaps");
        for (ConditionResult a : r.swaps()) swaps.add(condition(a));
        ArrayNode ops = root.putArray("operation_level");
        for (OperationResult o : r.operations()) {
            ObjectNode n = ops.addObject();
            n.put("feature_id", o.feature());
            n.put("operation", o.operation().label());
            n.put("samples_with_operation", o.withOperation());
            n.put("samples_without", o.without());
            interval(n, "accuracy_delta_with", o.deltaWith());
            interval(n, "accuracy_delta_without", o.deltaWithout());
            interval(n, "difference", o.difference());
            num(n, "mcnemar_p_with", o.mcNemarPWith());
            if (o.interaction() != null) {
                AccuracyInteraction t = o.interaction();
                ObjectNode in = n.putObject("interaction");
                in.put("test", "exact permutation test of the difference in accuracy change (with − without)");
                in.put("broken_with", t.brokenTarget());
                in.put("fixed_with", t.fixedTarget());
                in.put("broken_without", t.brokenOther());
                in.put("fixed_without", t.fixedOther());
                num(in, "difference", t.difference());
                num(in, "p_hurts_operation_more", t.pLess());
                num(in, "p_two_sided", t.pTwoSided());
            }
            n.set("feasibility", feasibility(o.feasibility()));
        }
        return root;
    }

    static ObjectNode condition(ConditionResult c) {
        ObjectNode n = StudyJson.MAPPER.createObjectNode();
        n.put("label", c.condition().label());
        n.put("kind", c.condition().kind().name().toLowerCase());
        ArrayNode fs = n.putArray("features");
        c.condition().features().forEach(fs::add);
        if (c.condition().kind() == Condition.Kind.AMPLIFICATION) num(n, "factor", c.condition().factor());
        n.put("samples", c.samples());
        n.put("active_samples", c.activeSamples());
        num(n, "clean_accuracy", c.cleanAccuracy());
        num(n, "edited_accuracy", c.editedAccuracy());
        interval(n, "accuracy_delta", c.accuracyDelta());
        n.put("correct_to_wrong", c.correctToWrong());
        n.put("wrong_to_correct", c.wrongToCorrect());
        num(n, "mcnemar_p", c.mcNemarP());
        num(n, "mean_kl_first_step", c.meanKl());
        num(n, "max_kl_first_step", c.maxKl());
        num(n, "changed_generations", c.changedGenerations());
        num(n, "mean_impact", c.impact().meanImpact());
        num(n, "max_impact", c.impact().maxImpact());
        num(n, "mean_l2_impact", c.impact().meanL2());
        n.put("classification", c.classification());
        n.set("feasibility", feasibility(c.feasibility()));
        return n;
    }

    static ObjectNode feasibility(Feasibility f) {
        ObjectNode n = StudyJson.MAPPER.createObjectNode();
        n.put("testable_samples", f.testableSamples());
        num(n, "min_detectable_accuracy_change", f.minDetectableDelta());
        n.put("verdict", f.verdict());
        return n;
    }

    /** {@code name}: the estimate, {@code name_ci}: [lower, upper] (null interval: both null). */
    private static void interval(ObjectNode n, String name, Interval i) {
        if (i == null) {
            n.putNull(name);
            n.putNull(name + "_ci");
            return;
        }
        num(n, name, i.estimate());
        ArrayNode ci = n.putArray(name + "_ci");
        ci.add(i.lower());
        ci.add(i.upper());
    }

    private static void num(ObjectNode n, String name, double v) {
        if (Double.isFinite(v)) n.put(name, v);
        else n.putNull(name);
    }
}
