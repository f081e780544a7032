package io.llamasae.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.RunResult;
import io.llamasae.io.HalfFloats;
import io.llamasae.model.ReferenceLlama;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's forward pass is llama.cpp's: logits of the native trainer ({@link NativeLm}) at
 * every position equal those of stock llama.cpp running the exported GGUF (through the engine,
 * F32 KV cache), and those of the independent double-precision {@link ReferenceLlama}.
 * Tolerances are relative to the largest |logit|: F32 export 1e-5 (measured 1.4e-6: summation
 * order only), F16 export 5e-3 (measured 1.7e-3: llama.cpp also rounds activations to F16 before
 * F16 matmuls; the trainer runs on the F16-rounded weights in float).
 */
class LmForwardMatchesLlamaCppTest {
    static final LmArchitecture ARCH = new LmArchitecture(2, 64, 4, 96, 64, 10000f, 1e-5f);

    @BeforeAll
    static void natives() {
        SharedData.requireNatives();
    }

    /** Weights at the scales of a trained model (init-scale weights would give near-zero logits and prove little). */
    static void randomWeights(NativeLm lm, long seed, boolean roundToF16) {
        Random r = new Random(seed);
        FloatBuffer w = lm.weights();
        for (NativeLm.Tensor t : lm.tensors()) {
            float[] v = new float[t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.isMatrix() ? (float) (r.nextGaussian() / Math.sqrt(t.cols())) : (float) (1 + 0.2 * r.nextGaussian());
                if (roundToF16 && t.isMatrix()) v[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(v[i]));
            }
            w.put((int) t.offset(), v);
        }
    }

    static List<int[]> sequences(Model tokenizer) {
        List<int[]> seqs = new ArrayList<>();
        for (String text : List.of("Question: Ava has 12 apples. They get 7 more apples. How many apples does Ava have now?\nAnswer: 12+7=19 #### 19",
                "x 20*3=60 | 60/4=15", "Jon")) {
            seqs.add(tokenizer.tokenize(text, true));
        }
        return seqs;
    }

    /** Worst |trainer - llama.cpp| / max|llama.cpp logit| over every position of every sequence; also checks ReferenceLlama. */
    static double[] compare(GgmlType type, Path dir) throws Exception {
        Path gguf = dir.resolve("m-" + type + ".gguf");
        try (NativeLm lm = NativeLm.create(ARCH, 2)) {
            randomWeights(lm, 11, type == GgmlType.F16);
            LmGguf.write(lm, type, "forward test", Map.of(), gguf);
            try (Model model = Model.load(gguf); GgufReader reader = GgufReader.open(gguf)) {
                assertEquals(ARCH.nVocab(), model.info().nVocab());
                List<int[]> seqs = sequences(model);
                float[] ours = lm.logits(TokenBatch.unscored(seqs));
                ReferenceLlama ref = ReferenceLlama.load(reader);
                // llama.cpp gives the last position's logits per prompt: run every prefix as its own prompt
                List<int[]> prefixes = new ArrayList<>();
                for (int[] s : seqs) for (int n = 1; n <= s.length; n++) prefixes.add(Arrays.copyOf(s, n));
                double worstCpp = 0;
                double worstRef = 0;
                int v = ARCH.nVocab();
                try (Engine e = Engine.open(model, EngineOptions.defaults().withHook(false).withKvF32(true).withCtx(512).withSeqMax(64))) {
                    RunResult r = e.run(prefixes);
                    int p = 0;
                    int row = 0;
                    for (int[] s : seqs) {
                        double[][] refLogits = ref.forward(s).logits();
                        for (int n = 0; n < s.length; n++, p++, row++) {
                            float[] cpp = r.lastLogits(p);
                            double scale = 0;
                            for (float x : cpp) scale = Math.max(scale, Math.abs(x));
                            assertTrue(scale > 1, "logits should be far from zero, max |logit| " + scale);
                            for (int k = 0; k < v; k++) {
                                worstCpp = Math.max(worstCpp, Math.abs(ours[row * v + k] - cpp[k]) / scale);
                                worstRef = Math.max(worstRef, Math.abs(ours[row * v + k] - refLogits[n][k]) / scale);
                            }
                        }
                    }
                }
                return new double[] {worstCpp, worstRef};
            }
        }
    }

    @Test
    void f32ExportMatchesLlamaCppAndTheDoubleReference(@TempDir Path dir) throws Exception {
        double[] worst = compare(GgmlType.F32, dir);
        System.out.printf("F32: trainer vs llama.cpp %.3g, vs ReferenceLlama %.3g (relative to max |logit|)%n", worst[0], worst[1]);
        assertTrue(worst[0] <= 1e-5, "trainer vs llama.cpp: " + worst[0]);
        assertTrue(worst[1] <= 1e-5, "trainer vs ReferenceLlama: " + worst[1]);
    }

    @Test
    void f16ExportMatchesLlamaCpp(@TempDir Path dir) throws Exception {
        double[] worst = compare(GgmlType.F16, dir);
        System.out.printf("F16: trainer vs llama.cpp %.3g, vs ReferenceLlama %.3g (relative to max |logit|)%n", worst[0], worst[1]);
        assertTrue(worst[0] <= 5e-3, "trainer vs llama.cpp: " + worst[0]);
        assertTrue(worst[1] <= 1e-5, "trainer vs ReferenceLlama (same F16 weights): " + worst[1]);
    }
}
