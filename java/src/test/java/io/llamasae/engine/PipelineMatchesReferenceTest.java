package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.model.ReferenceLlama;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.sae.Activation;
import io.llamasae.sae.ReferenceEncoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The codes computed inside the forward pass (every layer, every position, one pass) equal an
 * independent double-precision encode ({@link ReferenceEncoder}) of the double-precision reference
 * forward's activations ({@link ReferenceLlama}).
 *
 * <p>Near-ties: the engine encodes float32 activations that differ from the double reference by
 * ~1e-6 relative, so when the reference's k-th and (k+1)-th keys are closer than
 * {@link #NEAR_TIE} × the row's largest key the two latents may trade places. Index sets must be
 * equal on every other row; on near-tie rows they may differ only in latents at the cut.
 */
class PipelineMatchesReferenceTest {
    static final double NEAR_TIE = 1e-4;

    @Test
    void codesInTheHookEqualADoublePrecisionEncodeOfTheReferenceForward(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("f32.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(3).nEmbd(64).seed(7).weightType(GgmlType.F32).build(), gguf);
        List<String> texts = List.of("Question: Tom has 12 apples and buys 7 more. How many?\nAnswer:", "20*3=60 | 60+5=65", "48/2=24");
        int k = 8;
        try (GgufReader reader = GgufReader.open(gguf); Model model = Model.load(gguf);
             Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withKvF32(true))) {
            ReferenceLlama ref = ReferenceLlama.load(reader);
            int nLayer = model.info().nLayer();
            int d = model.info().nEmbd();
            Map<Integer, Sae> saes = new LinkedHashMap<>();
            Map<Integer, NativeSae> natives = new LinkedHashMap<>();
            List<Integer> layers = new ArrayList<>();
            for (int b = 0; b < nLayer; b++) {
                layers.add(b);
                saes.put(b, NativeSaeTest.randomSae(d, 256, k, b == 1 ? Activation.TOPK_ABS : Activation.TOPK_RELU, 40 + b));
                natives.put(b, NativeSae.of(saes.get(b)));
            }
            try {
                PassInput input = PassInput.tokenize(e, List.of("a", "b", "c"), texts, 0);
                PassSpec spec = PassSpec.builder(CaptureSpec.allPositions(layers)).saes(natives).outputs(PassOutput.CODES)
                        .batchSize(3).build();
                int[] rows = {0};
                int[] nearTies = {0};
                int[] mismatched = {0};
                Pass.run(e, spec, input, new PassConsumer() {
                    @Override
                    public void accept(PassBatch batch) {
                        RunResult r = batch.result();
                        for (int p = 0; p < batch.size(); p++) {
                            int[] tokens = input.tokens().get(p);
                            ReferenceLlama.Result expected = ref.forward(tokens);
                            for (int slot = 0; slot < nLayer; slot++) {
                                Sae sae = saes.get(slot);
                                double[][] x = expected.layerOutputs()[slot];
                                SparseCodes want = new ReferenceEncoder().encode(sae, x, k);
                                RunResult.Codes got = r.codes(slot, 0);
                                for (int t = 0; t < tokens.length; t++) {
                                    int row = rowOf(r, p, t);
                                    Set<Integer> a = new HashSet<>();
                                    Set<Integer> g = new HashSet<>();
                                    for (int j = 0; j < k; j++) {
                                        a.add(want.index(t, j));
                                        g.add(got.indices().get(row * k + j));
                                    }
                                    double[] keys = ReferenceEncoder.sortedKeys(sae, x[t]);
                                    boolean nearTie = keys[k - 1] - keys[k] <= NEAR_TIE * Math.abs(keys[0]);
                                    rows[0]++;
                                    if (nearTie) nearTies[0]++;
                                    if (!a.equals(g)) {
                                        mismatched[0]++;
                                        assertTrue(nearTie, "layer " + slot + " prompt " + p + " token " + t + ": engine " + g
                                                + " vs reference " + a + " with keys " + keys[k - 1] + " / " + keys[k] + " at the cut");
                                    }
                                    for (int j = 0; j < k; j++) {
                                        int f = got.indices().get(row * k + j);
                                        for (int i = 0; i < k; i++) {
                                            if (want.index(t, i) != f) continue;
                                            double w = want.value(t, i);
                                            assertEquals(w, got.values().get(row * k + j), 1e-4 * (1 + Math.abs(keys[0])),
                                                    "layer " + slot + " prompt " + p + " token " + t + " latent " + f);
                                        }
                                    }
                                }
                            }
                        }
                    }
                });
                System.out.printf("codes vs double reference: %d rows, %d near-ties at the cut, %d index-set differences%n", rows[0],
                        nearTies[0], mismatched[0]);
                assertTrue(rows[0] > 30, "rows compared: " + rows[0]);
            } finally {
                natives.values().forEach(NativeSae::close);
            }
        }
    }

    /** The row of prompt p's token t in the all-positions block (token by token, prompt by prompt). */
    static int rowOf(RunResult r, int p, int t) {
        for (int row = 0; row < r.nRows(); row++) {
            if (r.rowPrompts().get(row) == p && r.rowPositions().get(row) == t) return row;
        }
        throw new AssertionError("no row for prompt " + p + " token " + t);
    }
}
