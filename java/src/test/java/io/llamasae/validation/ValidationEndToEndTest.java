package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Edit;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.engine.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The experiments on a generated 2-block model with a random SAE: sanity checks, report keys, exact no-op conditions. */
class ValidationEndToEndTest {
    static final int BLOCK = 1;
    static final int POSITION = 2;

    @TempDir
    static Path dir;
    static Model model;
    static List<Sample> samples;

    @BeforeAll
    static void setUp() throws Exception {
        SharedData.requireNatives();
        model = Model.load(ValidationFixtures.model(dir));
        samples = DatasetReader.read(ValidationFixtures.dataset(dir)).samples();
    }

    @AfterAll
    static void tearDown() {
        if (model != null) model.close();
    }

    static ValidationConfig.Builder config() {
        return ValidationConfig.builder().block(BLOCK).position(POSITION).topFeatures(3).maxTokens(6).maxPromptsPerCall(4)
                .bootstrapResamples(200).sanityPrompts(4);
    }

    static Engine engine() {
        return Engine.open(model, EngineOptions.defaults().withCtx(512).withSeqMax(4).withThreads(2));
    }

    @Test
    void runsEveryExperimentAndWritesTheReferenceKeys() throws Exception {
        ValidationConfig cfg = config().amplify(List.of(5)).factors(List.of(2.0, 10.0)).swaps(List.of(new FeaturePair(5, 6)))
                .operationFeatures(Map.of(ValidationFixtures.DEAD, Operation.ADDITION)).build();
        ValidationResult r;
        FeatureStatistics hooked;
        try (Engine e = engine(); NativeSae s = NativeSae.of(ValidationFixtures.sae())) {
            PassSpec spec = PassSpec.builder(CaptureSpec.of(List.of(BLOCK), List.of(POSITION))).sae(BLOCK, s)
                    .outputs(PassOutput.STATISTICS).topN(1).batchSize(4).build();
            hooked = Pass.run(e, spec, PassInput.tokenize(e, samples.stream().map(Sample::id).toList(),
                    samples.stream().map(Sample::prompt).toList(), 0)).statistics(BLOCK, RowBlock.position(POSITION));
            r = new ValidationExperiments(e, s, cfg).run(samples, ValidationResult.Provenance.unknown(), null);
        }
        SanityChecks sc = r.sanity();
        assertTrue(sc.passed(), sc.toString());
        assertEquals("all", sc.nullAblationScope(), "the dead latent is inactive everywhere");
        assertTrue(sc.reconstructionFidelity() >= 0 && sc.reconstructionFidelity() <= 1);
        assertEquals(samples.size(), r.numSamples());

        // ranking agrees with the independent hooked-encoding statistics
        assertEquals(3, r.general().size());
        for (ValidatedFeature f : r.general()) {
            assertEquals(hooked.activeCount(f.featureId()), f.summary().activeCount(), "feature " + f.featureId());
            assertNotNull(f.ablation());
            assertEquals(f.summary().activeCount(), f.ablation().activeSamples());
            assertTrue(f.impact().meanImpact() > 0, "ablating an active feature changes the reconstruction");
            assertEquals(cfg.thresholds().classify(f.impact().meanImpact()), f.classification());
        }
        assertEquals(2, r.amplifications().size());
        assertEquals(1, r.swaps().size());
        // the dead latent: listed as specialized, zero impact, ablation changes nothing at all
        ValidatedFeature dead = r.specialized().stream().filter(f -> f.featureId() == ValidationFixtures.DEAD).findFirst().orElseThrow();
        assertEquals(0.0, dead.impact().meanImpact());
        assertEquals(ImpactThresholds.MINIMAL, dead.classification());
        ConditionResult a = dead.ablation();
        assertEquals(0.0, a.accuracyDelta().estimate());
        assertEquals(0.0, a.accuracyDelta().lower());
        assertEquals(0.0, a.accuracyDelta().upper());
        assertEquals(0.0, a.meanKl());
        assertEquals(0.0, a.changedGenerations());
        assertEquals(1.0, a.mcNemarP());
        assertEquals(0, a.activeSamples());
        assertEquals("infeasible", a.feasibility().verdict());
        OperationResult op = r.operations().get(0);
        assertEquals(2, op.withOperation(), "two addition problems");
        assertEquals(4, op.without());
        assertEquals(0.0, op.difference().estimate());

        List<String> files = ValidationReportWriter.write(dir.resolve("report"), r, true);
        assertEquals(List.of("validation_results_layer1_pos2.json", "validation_ablation_layer1_pos2.png", "validation.md"), files);
        for (String f : files) assertTrue(Files.size(dir.resolve("report").resolve(f)) > 0, f);
        JsonNode ours = new ObjectMapper().readTree(dir.resolve("report/validation_results_layer1_pos2.json").toFile());
        assertEquals(1, ours.get("metadata").get("layer").asInt());
        assertEquals(6, ours.get("metadata").get("num_samples").asInt());
        assertTrue(ours.get("metadata").get("sanity_checks").get("identity_swap").asBoolean());
        Path ref = SharedData.root().resolve("reference/seed/validation_results_layer14_pos3.json");
        JsonNode reference = Files.exists(ref) ? new ObjectMapper().readTree(ref.toFile()) : null;
        if (reference != null) {
            assertKeysPresent(reference.get("metadata"), ours.get("metadata"), "metadata");
            assertKeysPresent(reference.get("general_features").get(0), ours.get("general_features").get(0), "general_features[0]");
            assertKeysPresent(reference.get("specialized_features").get(0), ours.get("specialized_features").get(0), "specialized_features[0]");
        }
        for (String key : List.of("rank", "feature_id", "activation_freq", "mean_impact", "max_impact", "classification")) {
            assertTrue(ours.get("general_features").get(0).has(key), key);
        }
        String md = Files.readString(dir.resolve("report/validation.md"));
        assertTrue(md.contains("## Causal validation") && md.contains("Sanity checks") && md.contains("Operation level"), md);
    }

    /** Every key of {@code reference} (recursively for objects) is in {@code ours}. */
    static void assertKeysPresent(JsonNode reference, JsonNode ours, String path) {
        for (Iterator<String> it = reference.fieldNames(); it.hasNext();) {
            String k = it.next();
            assertTrue(ours.has(k), path + "." + k + " missing");
            if (reference.get(k).isObject()) assertKeysPresent(reference.get(k), ours.get(k), path + "." + k);
        }
    }

    @Test
    void noOpConditionsGiveExactlyZeroAndRealEditsDoNot() {
        ValidationConfig cfg = config().build();
        try (Engine e = engine(); NativeSae s = NativeSae.of(ValidationFixtures.sae())) {
            ValidationExperiments exp = new ValidationExperiments(e, s, cfg);
            List<int[]> prompts = exp.tokenize(samples);
            List<String> ids = samples.stream().map(Sample::id).toList();
            ValidationExperiments.Encoded enc = exp.encode(prompts, ids);
            int top = io.llamasae.analysis.Ranking.byFrequency(enc.statistics()).get(0).featureId();
            List<Condition> conditions = List.of(Condition.ablate(BLOCK, ValidationFixtures.DEAD),
                    new Condition("swap self", Condition.Kind.CUSTOM, List.of(top), List.of(Edit.swap(BLOCK, top, top)), 1),
                    new Condition("clamp top 50", Condition.Kind.CUSTOM, List.of(top), List.of(Edit.clamp(BLOCK, top, 50f)), 1));
            ValidationExperiments.GenerationPass pass = exp.generate(prompts, ids, samples.stream().map(Sample::answer).toList(),
                    conditions, null);
            for (int c = 0; c < 2; c++) {
                ConditionResult r = exp.summarize(conditions.get(c), pass.cleanCorrect(), pass.conditions().get(c), enc.codes());
                assertEquals(0.0, r.accuracyDelta().estimate(), conditions.get(c).label());
                assertEquals(0.0, r.meanKl(), conditions.get(c).label());
                assertEquals(0.0, r.changedGenerations(), conditions.get(c).label());
                assertEquals(0.0, r.impact().maxImpact(), conditions.get(c).label());
            }
            ConditionResult big = exp.summarize(conditions.get(2), pass.cleanCorrect(), pass.conditions().get(2), enc.codes());
            assertTrue(big.meanKl() > 0, "clamping the top feature to 50 everywhere moves the next-token distribution");
        }
    }

    /** The impact computed from codes equals the change the engine makes to the residual row (error-preserving, position scope). */
    @Test
    void impactMatchesTheEnginesResidualChange() {
        ValidationConfig cfg = config().scope(InterventionScope.POSITION).build();
        try (Engine e = engine(); NativeSae s = NativeSae.of(ValidationFixtures.sae())) {
            ValidationExperiments exp = new ValidationExperiments(e, s, cfg);
            List<int[]> prompts = exp.tokenize(samples);
            ValidationExperiments.Encoded enc = exp.encode(prompts, samples.stream().map(Sample::id).toList());
            int top = io.llamasae.analysis.Ranking.byFrequency(enc.statistics()).get(0).featureId();
            List<Edit> edits = List.of(Edit.ablate(BLOCK, top), Edit.scale(BLOCK, 7, 3f));
            ImpactMetrics.Summary expected = exp.impact(edits, enc.codes());

            e.setCapture(CaptureSpec.of(List.of(BLOCK), List.of(POSITION)));
            RunResult clean = e.run(prompts);
            float[] h = new float[Math.toIntExact(clean.nRows()) * ValidationFixtures.D];
            clean.rows(0).get(0, h);
            e.captureAfterEdits(true);
            e.setInterventions(InterventionScope.POSITION.spec(edits, POSITION, false));
            float[] h2 = new float[h.length];
            e.run(prompts).rows(0).get(0, h2);
            e.clearInterventions();
            e.captureAfterEdits(false);
            e.setCapture(CaptureSpec.none());
            ImpactMetrics.Accumulator acc = new ImpactMetrics.Accumulator();
            for (int row = 0; row < prompts.size(); row++) {
                double[] delta = new double[ValidationFixtures.D];
                for (int i = 0; i < delta.length; i++) delta[i] = (double) h2[row * delta.length + i] - h[row * delta.length + i];
                acc.add(ImpactMetrics.of(delta));
            }
            ImpactMetrics.Summary engine = acc.summary();
            assertTrue(expected.meanImpact() > 0);
            assertEquals(expected.meanImpact(), engine.meanImpact(), 1e-4 * (1 + expected.meanImpact()));
            assertEquals(expected.maxImpact(), engine.maxImpact(), 1e-4 * (1 + expected.maxImpact()));
            assertEquals(expected.meanL2(), engine.meanL2(), 1e-4 * (1 + expected.meanL2()));
        }
    }

    /** One prompt, last position, at the last block and at block 0: the cases where the engine's output rows could differ. */
    @Test
    void sanityChecksPassOnASinglePromptToo() {
        for (int block : new int[] {0, 1}) {
            for (InterventionScope scope : InterventionScope.values()) {
                try (Engine e = engine(); NativeSae s = NativeSae.of(ValidationFixtures.sae())) {
                    ValidationExperiments exp = new ValidationExperiments(e, s, config().block(block).position(-1).scope(scope).build());
                    SanityChecks sc = exp.sanity(exp.tokenize(samples.subList(0, 1)));
                    assertTrue(sc.passed(), "block " + block + " " + scope + ": " + sc);
                    assertEquals(1, sc.prompts());
                }
            }
        }
    }

    @Test
    void sideBySideComparisonOfANoOpIsIdentical() {
        try (Engine e = engine(); NativeSae s = NativeSae.of(ValidationFixtures.sae())) {
            e.attachSae(BLOCK, s, 0);
            List<int[]> prompts = List.of(model.tokenize("Question: 3+4=?\nAnswer:", true), model.tokenize("20*3=60", true));
            var spec = io.llamasae.engine.InterventionSpec.everywhere(List.of(Edit.ablate(BLOCK, ValidationFixtures.DEAD)));
            for (InterventionComparison.Pair p : InterventionComparison.run(e, prompts, List.of("a", "b"), spec, GenerationOptions.greedy(5), 1)) {
                assertFalse(p.changed());
                assertEquals(p.cleanText(), p.editedText());
                assertEquals(0.0, p.kl());
            }
        }
    }
}
