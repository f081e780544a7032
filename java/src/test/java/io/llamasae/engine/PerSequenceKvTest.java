package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.lm.ArithmeticTask;
import io.llamasae.lm.ShippedModel;
import io.llamasae.sae.Activation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One KV cache per sequence ({@link EngineOptions#kvPerSequence()}) computes what the unified cache
 * computes, prompt for prompt: the prefill runs in groups of equal-length prompts taken in order of
 * length, sequences that end move their successors' caches down, and the results still come back
 * in the caller's order. On the shipped arithmetic model (which ends its answers at different
 * lengths, so sequences end in the middle of a batch): batched greedy generation with edits at
 * every position and generated-step captures equals generating each prompt alone in a unified
 * cache, and runs capture the same rows.
 */
class PerSequenceKvTest {
    static final int BLOCK = 1;

    @Test
    void perSequenceGenerationEqualsOnePromptAtATime(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = ShippedModel.extract(dir).model();
        List<Sample> problems = new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(77)).generate(24);
        try (Model model = Model.load(gguf); NativeSae sae = NativeSae.of(NativeSaeTest.randomSae(model.info().nEmbd(), 64, 4,
                Activation.TOPK_RELU, 5))) {
            List<int[]> prompts = new ArrayList<>();
            Set<Integer> lengths = new HashSet<>();
            for (Sample s : problems) {
                int[] t = model.tokenize(s.prompt(), true);
                prompts.add(t);
                lengths.add(t.length);
            }
            assertTrue(lengths.size() > 3, "prompts of several lengths: " + lengths);
            CaptureSpec capture = CaptureSpec.parse("1", "-1,g2", LayerConvention.LLAMA_CPP, model.info().nLayer());
            InterventionSpec edits = InterventionSpec.everywhere(List.of(Edit.scale(BLOCK, 3, 1.5f), Edit.ablate(BLOCK, 7)));
            int d = model.info().nEmbd();
            try (Engine batched = Engine.open(model, EngineOptions.defaults().withKvPerSequence(true).withSeqMax(32).withCtx(112));
                 Engine single = Engine.open(model, EngineOptions.defaults().withCtx(112))) {
                for (Engine e : List.of(batched, single)) {
                    e.attachSae(BLOCK, sae, 0);
                    e.setCapture(capture);
                    e.setInterventions(edits);
                }
                Generation all = batched.generate(prompts, GenerationOptions.greedy(40));
                float[] rows = EngineOnSharedModelTest.copy(all.captured().rows(0));
                Set<Integer> generatedLengths = new HashSet<>();
                for (int p = 0; p < prompts.size(); p++) {
                    Generation one = single.generate(List.of(prompts.get(p)), GenerationOptions.greedy(40));
                    assertArrayEquals(one.tokens().get(0), all.tokens().get(p), "prompt " + p + ": " + one.texts().get(0));
                    generatedLengths.add(one.tokens().get(0).length);
                    float[] first = one.firstLogits()[0];
                    for (int v = 0; v < first.length; v++) {
                        assertEquals(first[v], all.firstLogits()[p][v], 2e-3f * (1 + Math.abs(first[v])), "prompt " + p + " logit " + v);
                    }
                    float[] oneRows = EngineOnSharedModelTest.copy(one.captured().rows(0));
                    for (int b = 0; b < 2; b++) {  // blocks pos-1 and g2, one row per prompt each
                        for (int i = 0; i < d; i++) {
                            float ref = oneRows[b * d + i];
                            float got = rows[(b * prompts.size() + p) * d + i];
                            assertEquals(ref, got, 2e-3f * (1 + Math.abs(ref)), "prompt " + p + " block " + b + " dim " + i);
                        }
                    }
                }
                assertTrue(generatedLengths.size() > 3, "sequences end at different steps: " + generatedLengths);

                // Runs: equal-length groups in order of length, rows back in the caller's order.
                batched.clearInterventions();
                single.clearInterventions();
                CaptureSpec last = CaptureSpec.of(List.of(BLOCK), List.of(-1));
                batched.setCapture(last);
                single.setCapture(last);
                RunResult r = batched.run(prompts);
                float[] runRows = EngineOnSharedModelTest.copy(r.rows(0));
                int[] rowPrompts = new int[prompts.size()];
                r.rowPrompts().get(rowPrompts);
                for (int p = 0; p < prompts.size(); p++) {
                    assertEquals(p, rowPrompts[p]);
                    float[] ref = EngineOnSharedModelTest.copy(single.run(List.of(prompts.get(p))).rows(0));
                    for (int i = 0; i < d; i++) {
                        assertEquals(ref[i], runRows[p * d + i], 2e-3f * (1 + Math.abs(ref[i])), "run, prompt " + p + " dim " + i);
                    }
                }
            }
        }
    }

    @Test
    void eachSequenceMustFitItsOwnCache(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = ShippedModel.extract(dir).model();
        try (Model model = Model.load(gguf);
             Engine e = Engine.open(model, EngineOptions.defaults().withKvPerSequence(true).withSeqMax(4).withCtx(64))) {
            assertEquals(64, e.contextSize(), "with one cache per sequence the context is per sequence");
            List<int[]> prompts = List.of(model.tokenize("Question: Ava has 3 books.\nAnswer:", true),
                    model.tokenize("Question: Ben has 20 coins. They get 7 more coins. How many coins does Ben have now?\nAnswer:", true));
            assertEquals(2, e.generate(prompts, GenerationOptions.greedy(64 - prompts.get(1).length)).tokens().size());
            LlamaSaeException tooLong = assertThrows(LlamaSaeException.class,
                    () -> e.generate(prompts, GenerationOptions.greedy(65 - prompts.get(1).length)));
            assertTrue(tooLong.getMessage().contains("prompt 1") && tooLong.getMessage().contains("a sequence holds"), tooLong.getMessage());
        }
    }
}
