package io.llamasae.engine;

import io.llamasae.SharedData;
import io.llamasae.sae.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random contexts, prompts, capture specs, SAEs, edits and generations on the shared tiny model:
 * every call either succeeds or throws {@link LlamaSaeException}/{@link IllegalArgumentException};
 * nothing reaches a ggml assert (which would abort the JVM and fail the whole test run).
 */
class EngineRobustnessTest {
    @Test
    void randomUseNeverAbortsTheProcess() {
        SharedData.requireNatives();
        Random rnd = new Random(1234);
        int ok = 0, rejected = 0;
        try (Model model = Model.load(SharedData.tinyModel());
             NativeSae sae = NativeSae.of(NativeSaeTest.randomSae(8, 40, 5, Activation.TOPK_RELU, 9))) {
            int nVocab = model.info().nVocab();
            for (int trial = 0; trial < 150; trial++) {
                boolean badTokens = rnd.nextInt(5) == 0;
                EngineOptions opts = EngineOptions.defaults().withCtx(1 + rnd.nextInt(300)).withSeqMax(1 + rnd.nextInt(256))
                        .withPack(rnd.nextInt(600)).withThreads(1 + rnd.nextInt(3)).withKvF32(rnd.nextBoolean());
                try (Engine e = Engine.open(model, opts)) {
                    List<int[]> prompts = new ArrayList<>();
                    int n = 1 + rnd.nextInt(6);
                    for (int p = 0; p < n; p++) {
                        int[] t = new int[rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(40)];
                        for (int i = 0; i < t.length; i++) t[i] = badTokens && rnd.nextInt(10) == 0 ? nVocab + rnd.nextInt(5) - 2 : rnd.nextInt(nVocab);
                        prompts.add(t);
                    }
                    for (int step = 0; step < 4; step++) {
                        try {
                            switch (rnd.nextInt(5)) {
                                case 0 -> e.setCapture(rnd.nextBoolean() ? CaptureSpec.allPositions(List.of(rnd.nextInt(3) - 1))
                                        : CaptureSpec.of(List.of(0), List.of(rnd.nextInt(30) - 15, rnd.nextInt(5))));
                                case 1 -> e.attachSae(rnd.nextInt(3) - 1, rnd.nextBoolean() ? sae : null, rnd.nextInt(45) - 2);
                                case 2 -> e.setInterventions(new InterventionSpec(List.of(new Edit(rnd.nextInt(3) - 1, rnd.nextInt(45),
                                        Edit.Op.values()[rnd.nextInt(4)], (float) rnd.nextGaussian(), rnd.nextInt(45))),
                                        List.of(rnd.nextInt(20) - 10), rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean()));
                                case 3 -> e.generate(prompts, new GenerationOptions(1 + rnd.nextInt(8), rnd.nextFloat(), rnd.nextLong()));
                                default -> e.run(prompts);
                            }
                            ok++;
                        } catch (LlamaSaeException | IllegalArgumentException expected) {
                            rejected++;
                        }
                    }
                } catch (LlamaSaeException | IllegalArgumentException expected) {
                    rejected++;
                }
            }
        }
        System.out.println("robustness: " + ok + " calls succeeded, " + rejected + " rejected with a clear error");
    }
}
