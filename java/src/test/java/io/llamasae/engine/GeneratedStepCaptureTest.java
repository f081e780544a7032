package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture at generated steps (gK): the row of the K-th generated token equals the last row of a
 * plain run over the prompt extended by the first K generated tokens.
 */
class GeneratedStepCaptureTest {
    @Test
    void generatedStepRowsEqualTheExtendedPromptsLastRow(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("m.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(2).nEmbd(32).nHead(4).nHeadKv(2).nFf(64).seed(5)
                .weightType(GgmlType.F32).build(), gguf);
        try (Model model = Model.load(gguf); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withKvF32(true))) {
            List<int[]> prompts = List.of(model.tokenize("Question: 12+7=?", true), model.tokenize("20*3=60 | 60+5=", true));
            e.setCapture(CaptureSpec.parse("1", "-1,g1,g3", LayerConvention.LLAMA_CPP, 2));
            Generation g = e.generate(prompts, GenerationOptions.greedy(4));
            RunResult r = g.captured();
            assertEquals(prompts.size() * 3, r.nRows());
            float[] rows = EngineOnSharedModelTest.copy(r.rows(0));
            int[] pos = new int[(int) r.nRows()];
            r.rowPositions().get(pos);
            for (int p = 0; p < prompts.size(); p++) {
                int[] gen = g.tokens().get(p);
                assertTrue(gen.length >= 3, "generated " + gen.length + " tokens");
                int[] steps = {1, 3};
                for (int q = 0; q < 2; q++) {
                    int k = steps[q];
                    int row = prompts.size() * (1 + q) + p;  // blocks: pos-1, g1, g3, each prompt by prompt
                    int len = prompts.get(p).length;
                    assertEquals(len + k - 1, pos[row], "position of g" + k);
                    int[] extended = Arrays.copyOf(prompts.get(p), len + k);
                    System.arraycopy(gen, 0, extended, len, k);
                    try (Engine plain = Engine.open(model, EngineOptions.defaults().withCtx(512).withKvF32(true))) {
                        plain.setCapture(CaptureSpec.of(List.of(1), List.of(-1)));
                        float[] ref = EngineOnSharedModelTest.copy(plain.run(List.of(extended)).rows(0));
                        for (int i = 0; i < 32; i++) {
                            assertEquals(ref[i], rows[row * 32 + i], 1e-4f * (1 + Math.abs(ref[i])), "prompt " + p + " g" + k + " dim " + i);
                        }
                    }
                }
            }
            e.setCapture(CaptureSpec.parse("1", "g5", LayerConvention.LLAMA_CPP, 2));
            LlamaSaeException tooFew = assertThrows(LlamaSaeException.class, () -> e.generate(prompts, GenerationOptions.greedy(5)));
            assertTrue(tooFew.getMessage().contains("max_tokens"), tooFew.getMessage());
        }
    }
}
