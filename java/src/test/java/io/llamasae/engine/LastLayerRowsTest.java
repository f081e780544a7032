package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasae.SharedData;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capturing the last block (the project's llama.cpp patch keeps its captured rows without logits)
 * leaves the logits bit-identical to plain llama.cpp for F16 and Q8_0 weights, one prompt or several
 * per decode, at single positions and at every position; for F32 weights with several prompts (one
 * F32 output row takes ggml's one-row matmul path, see below). The captured rows themselves are
 * checked against the double-precision reference in {@link EngineMatchesReferenceTest} and against
 * the unpatched path in native/test/engine/test_engine_last_layer.cpp.
 */
class LastLayerRowsTest {
    @Test
    void capturingTheLastBlockLeavesLogitsBitIdentical(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0)) {
            Path gguf = dir.resolve(type + ".gguf");
            TestModelGenerator.write(TestModelConfig.builder().nLayer(3).nEmbd(64).nFf(128).seed(13).weightType(type).build(), gguf);
            try (Model model = Model.load(gguf);
                 Engine plain = Engine.open(model, EngineOptions.defaults().withCtx(512).withHook(false));
                 Engine hooked = Engine.open(model, EngineOptions.defaults().withCtx(512))) {
                List<int[]> prompts = List.of(model.tokenize("Question: Tom has 12 apples and buys 7 more. How many?", true),
                        model.tokenize("20*3=60 | 60+5=65", true), model.tokenize("48/2=24 | 24+48=72", true));
                int last = model.info().nLayer() - 1;
                List<CaptureSpec> captures = List.of(CaptureSpec.of(List.of(last), List.of(1, -1)), CaptureSpec.of(List.of(last), List.of(3)),
                        CaptureSpec.allPositions(List.of(last)), CaptureSpec.allPositions(List.of(0, 1, last)));
                for (List<int[]> batch : List.of(prompts.subList(0, 1), prompts)) {
                    float[] want = EngineOnSharedModelTest.copy(plain.run(batch).lastLogits());
                    for (CaptureSpec spec : captures) {
                        hooked.setCapture(spec);
                        float[] got = EngineOnSharedModelTest.copy(hooked.run(batch).lastLogits());
                        // ggml multiplies an F32 weight by ONE row on another path than by several: with F32
                        // weights and a single output row, keeping captured rows in the last block moves
                        // logits in their last bits (F16 and quantized weights, and batches, do not).
                        if (type == GgmlType.F32 && batch.size() == 1) continue;
                        for (int i = 0; i < want.length; i++) {
                            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                    type + ", " + batch.size() + " prompt(s), " + spec + ": logit " + i);
                        }
                    }
                }
            }
        }
    }
}
