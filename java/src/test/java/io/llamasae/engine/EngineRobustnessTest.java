package io.llamasae.engine;

import io.llamasae.SharedData;
import io.llamasae.sae.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random contexts, prompts, capture specs, SAEs, edits and generations on the shared tiny model:
 * every call either succeeds or throws {@link LlamaSaeException}/{@link IllegalArgumentException};
 * nothing reaches a ggml assert (which would abort the JVM and fail the whole test run). Every
 * kind of call is both accepted and refused at least once (the fuzz reaches both paths), and
 * afterwards the same model still gives the logits it gave before, bit for bit.
 */
class EngineRobustnessTest {
    private static final String[] KINDS = {"open", "setCapture", "attachSae", "setInterventions", "generate", "run"};

    @Test
    void randomUseNeverAbortsTheProcess() {
        SharedData.requireNatives();
        Random rnd = new Random(1234);
        int[] ok = new int[KINDS.length];
        int[] rejected = new int[KINDS.length];
        try (Model model = Model.load(SharedData.tinyModel());
             NativeSae sae = NativeSae.of(NativeSaeTest.randomSae(8, 40, 5, Activation.TOPK_RELU, 9))) {
            int nVocab = model.info().nVocab();
            List<int[]> probe = List.of(model.tokenize("12+7=19", true), model.tokenize("How many apples?", true));
            float[] before = lastLogits(model, probe);
            for (int trial = 0; trial < 150; trial++) {
                boolean badTokens = rnd.nextInt(5) == 0;
                EngineOptions opts;
                try {
                    opts = EngineOptions.defaults().withCtx(1 + rnd.nextInt(300)).withSeqMax(1 + rnd.nextInt(256))
                            .withPack(rnd.nextInt(600)).withThreads(rnd.nextInt(8) == 0 ? 513 + rnd.nextInt(5) : 1 + rnd.nextInt(3))
                            .withKvF32(rnd.nextBoolean());
                } catch (IllegalArgumentException expected) {
                    rejected[0]++;
                    continue;
                }
                try (Engine e = Engine.open(model, opts)) {
                    ok[0]++;
                    List<int[]> prompts = new ArrayList<>();
                    int n = 1 + rnd.nextInt(6);
                    for (int p = 0; p < n; p++) {
                        int[] t = new int[rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(40)];
                        for (int i = 0; i < t.length; i++) t[i] = badTokens && rnd.nextInt(10) == 0 ? nVocab + rnd.nextInt(5) - 2 : rnd.nextInt(nVocab);
                        prompts.add(t);
                    }
                    for (int step = 0; step < 4; step++) {
                        int kind = 1 + rnd.nextInt(5);
                        try {
                            switch (kind) {
                                case 1 -> e.setCapture(rnd.nextBoolean() ? CaptureSpec.allPositions(List.of(rnd.nextInt(3) - 1))
                                        : CaptureSpec.of(List.of(0), List.of(rnd.nextInt(30) - 15, rnd.nextInt(5))));
                                case 2 -> e.attachSae(rnd.nextInt(3) - 1, rnd.nextBoolean() ? sae : null, rnd.nextInt(45) - 2);
                                case 3 -> e.setInterventions(new InterventionSpec(List.of(new Edit(rnd.nextInt(3) - 1, rnd.nextInt(45),
                                        Edit.Op.values()[rnd.nextInt(4)], (float) rnd.nextGaussian(), rnd.nextInt(45))),
                                        List.of(rnd.nextInt(20) - 10), rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean()));
                                case 4 -> e.generate(prompts, new GenerationOptions(1 + rnd.nextInt(8), rnd.nextFloat(), rnd.nextLong()));
                                default -> e.run(prompts);
                            }
                            ok[kind]++;
                        } catch (LlamaSaeException | IllegalArgumentException expected) {
                            rejected[kind]++;
                        }
                    }
                } catch (LlamaSaeException | IllegalArgumentException expected) {
                    rejected[0]++;
                }
            }
            StringBuilder table = new StringBuilder();
            for (int i = 0; i < KINDS.length; i++) table.append(String.format("%n  %-16s %4d accepted %4d refused", KINDS[i], ok[i], rejected[i]));
            System.out.println("robustness:" + table);
            for (int i = 0; i < KINDS.length; i++) {
                assertTrue(ok[i] > 0 && rejected[i] > 0, KINDS[i] + " must be both accepted and refused at least once:" + table);
            }
            assertTrue(IntStream.of(ok).sum() >= 200 && IntStream.of(rejected).sum() >= 100, "a fuzz that reaches both paths often:" + table);
            // still usable: a fresh engine on the same model gives the same logits as before the fuzz
            assertArrayEquals(before, lastLogits(model, probe), "logits after 150 random engines differ from before");
        }
    }

    private static float[] lastLogits(Model model, List<int[]> prompts) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(64).withThreads(1))) {
            RunResult r = e.run(prompts);
            int nVocab = model.info().nVocab();
            float[] out = new float[prompts.size() * nVocab];
            for (int p = 0; p < prompts.size(); p++) System.arraycopy(r.lastLogits(p), 0, out, p * nVocab, nVocab);
            return out;
        }
    }
}
