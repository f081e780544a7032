package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.model.ActivationComparison;
import io.llamasae.model.ReferenceLlama;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captured activations equal the independent double-precision {@link ReferenceLlama} at every
 * layer and position, for generated F32 and F16 models and the shared tiny model.
 */
class EngineMatchesReferenceTest {
    static final List<String> PROMPTS = List.of("Question: Tom has 12 apples and buys 7 more. How many?\nAnswer:",
            "20*3=60 | 60+5=65", "x");

    /** Worst error relative to each tensor's scale (max|d| / max|ref|) over layers and prompts. */
    static double worstError(Path gguf, double tolerance) throws Exception {
        double worst = 0;
        try (GgufReader reader = GgufReader.open(gguf); Model model = Model.load(gguf)) {
            ReferenceLlama ref = ReferenceLlama.load(reader);
            int nLayer = model.info().nLayer();
            List<Integer> all = new java.util.ArrayList<>();
            for (int b = 0; b < nLayer; b++) all.add(b);
            List<int[]> tokens = PROMPTS.stream().map(p -> model.tokenize(p, true)).toList();
            try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withKvF32(true))) {
                e.setCapture(CaptureSpec.allPositions(all));
                RunResult r = e.run(tokens);  // all prompts in one batched decode
                int d = model.info().nEmbd();
                int first = 0;  // rows come prompt by prompt, every position in order
                for (int p = 0; p < tokens.size(); first += tokens.get(p).length, p++) {
                    ReferenceLlama.Result expected = ref.forward(tokens.get(p));
                    int n = tokens.get(p).length;
                    for (int b = 0; b < nLayer; b++) {
                        float[] got = new float[n * d];
                        r.rows(b).get(first * d, got);
                        ActivationComparison c = ActivationComparison.of(got, expected.layerOutputs()[b]);
                        assertTrue(c.maxRelError() <= tolerance, gguf.getFileName() + " prompt " + p + " layer " + b + ": " + c);
                        worst = Math.max(worst, c.maxRelError());
                    }
                    float[] logits = r.lastLogits(p);
                    ActivationComparison lc = ActivationComparison.of(logits, new double[][] {expected.logits()[n - 1]});
                    assertTrue(lc.maxRelError() <= tolerance, gguf.getFileName() + " prompt " + p + " logits: " + lc);
                    worst = Math.max(worst, lc.maxRelError());
                }
            }
        }
        return worst;
    }

    @Test
    void generatedF32ModelMatchesAtEveryLayer(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("f32.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(4).nEmbd(64).seed(7).weightType(GgmlType.F32).build(), gguf);
        double worst = worstError(gguf, 2e-6);
        System.out.println("generated F32 model: worst max|d|/max|ref| = " + worst);
    }

    @Test
    void generatedF16ModelMatchesAtEveryLayer(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("f16.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(3).nEmbd(64).seed(11).weightType(GgmlType.F16).build(), gguf);
        // llama.cpp rounds activations to F16 before F16 matmuls; the reference stays in double.
        double worst = worstError(gguf, 2e-3);
        System.out.println("generated F16 model: worst max|d|/max|ref| = " + worst);
    }

    @Test
    void sharedTinyModelMatches() throws Exception {
        SharedData.requireNatives();
        double worst = worstError(SharedData.tinyModel(), 2e-3);
        System.out.println("llama-2-tiny-random: worst max|d|/max|ref| = " + worst);
    }
}
