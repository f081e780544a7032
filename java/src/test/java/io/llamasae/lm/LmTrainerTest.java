package io.llamasae.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.Model;
import io.llamasae.model.gguf.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training code path end to end on a tiny model (a few seconds): the loss falls, the written
 * GGUF reloads in llama.cpp and generates, an interrupted run resumed from its checkpoint ends with
 * exactly the weights of an uninterrupted one, and the random-init twin is regenerable from the seed.
 */
class LmTrainerTest {
    static final LmArchitecture TINY = new LmArchitecture(2, 32, 2, 64, 128, 10000f, 1e-5f);
    static List<Sample> train;
    static List<Sample> heldOut;

    @BeforeAll
    static void data() {
        SharedData.requireNatives();
        train = new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(5)).generate(800);
        Set<String> seen = new HashSet<>();
        for (Sample s : train) seen.add(s.question());
        heldOut = new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(6)).generateExcluding(12, seen);
    }

    static LmTrainConfig config(int steps) {
        return LmTrainConfig.builder().seed(3).steps(steps).batchSize(16).lr(3e-3f).warmupSteps(10).evalEvery(20).evalLimit(0)
                .threads(2).weightType(GgmlType.F32).build();
    }

    @Test
    void lossFallsAndTheModelReloadsAndGenerates(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny.gguf");
        List<Double> losses = new ArrayList<>();
        LmTrainer.Result r = LmTrainer.train(train, heldOut, "test data", TINY, config(80), out, false, Map.of(),
                new LmTrainer.Listener() {
                    @Override
                    public void stepDone(long step, double loss, double lr) {
                        losses.add(loss);
                    }
                });
        double first = losses.get(0);
        double last = losses.subList(losses.size() - 10, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        System.out.printf("tiny model: loss %.3f at step 1, %.3f over the last 10 of %d steps; held-out %s%n", first, last, losses.size(),
                r.finalAccuracy().summary());
        assertTrue(first > Math.log(ArithmeticVocabulary.size()) - 0.5, "initial loss near ln(V): " + first);
        assertTrue(last < 0.5 * first, "loss should fall: " + first + " -> " + last);
        assertEquals(4, r.curve().size(), "a curve point every 20 steps");
        assertTrue(r.curve().get(3).heldOutLoss() < r.curve().get(0).heldOutLoss(), "held-out loss falls: " + r.curve());
        assertTrue(Files.exists(r.report()) && Files.exists(r.initModel()) && Files.exists(LmTrainer.checkpointPath(out)));
        // the written GGUF is an ordinary llama model: stock llama.cpp loads it and generates
        try (Model model = Model.load(out); Engine e = Engine.open(model, EngineOptions.defaults().withHook(false).withCtx(512))) {
            assertEquals("llama", model.info().architecture());
            assertEquals(TINY.nLayer(), model.info().nLayer());
            Generation g = e.generate(List.of(model.tokenize(heldOut.get(0).prompt(), true)), GenerationOptions.greedy(24));
            assertFalse(g.tokens().get(0).length == 0, "generated nothing");
            System.out.println("tiny model generates: " + g.texts().get(0));
        }
        assertEquals(heldOut.size(), r.finalAccuracy().n());
    }

    @Test
    void aKilledRunResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("a/m.gguf");
        LmTrainer.train(train, heldOut, "test data", TINY, config(50), straight, false, Map.of(), new LmTrainer.Listener() {});

        Path killed = dir.resolve("b/m.gguf");
        RuntimeException kill = new RuntimeException("killed");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> LmTrainer.train(train, heldOut, "test data", TINY, config(50),
                killed, false, Map.of(), new LmTrainer.Listener() {
                    @Override
                    public void stepDone(long step, double loss, double lr) {
                        if (step == 33) throw kill;  // after the checkpoint at step 20
                    }
                }));
        assertEquals(kill, thrown);
        assertFalse(Files.exists(killed), "no model before the run ends");
        // without --resume an existing checkpoint is refused rather than overwritten
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> LmTrainer.train(train, heldOut, "test data",
                TINY, config(50), killed, false, Map.of(), new LmTrainer.Listener() {}));
        assertTrue(refused.getMessage().contains("--resume"), refused.getMessage());
        // a different run's settings are refused too
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> LmTrainer.train(train, heldOut, "test data",
                TINY, config(60), killed, true, Map.of(), new LmTrainer.Listener() {}));
        assertTrue(other.getMessage().contains("steps=60") && other.getMessage().contains("steps=50"), other.getMessage());

        List<Long> resumedSteps = new ArrayList<>();
        LmTrainer.train(train, heldOut, "test data", TINY, config(50), killed, true, Map.of(), new LmTrainer.Listener() {
            @Override
            public void stepDone(long step, double loss, double lr) {
                resumedSteps.add(step);
            }
        });
        assertEquals(21L, resumedSteps.get(0), "continues after the last checkpoint");
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(killed), "resumed run = uninterrupted run, byte for byte");
        assertArrayEquals(Files.readAllBytes(LmTrainer.initPath(straight)), Files.readAllBytes(LmTrainer.initPath(killed)));
    }

    @Test
    void theRandomInitTwinIsRegenerableFromTheSeed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.gguf");
        LmTrainer.train(train, heldOut, "test data", TINY, config(3), out, false, Map.of(), new LmTrainer.Listener() {});
        Path again = dir.resolve("again.gguf");
        LmTrainer.regenerateTwin(TINY, 3, GgmlType.F32, again);
        assertArrayEquals(Files.readAllBytes(LmTrainer.initPath(out)), Files.readAllBytes(again));
        // and differs from the trained weights and from another seed's
        Path otherSeed = dir.resolve("other.gguf");
        LmTrainer.regenerateTwin(TINY, 4, GgmlType.F32, otherSeed);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(again), Files.readAllBytes(otherSeed)));
    }

    @Test
    void heldOutProblemsSeenInTrainingAreRefused(@TempDir Path dir) {
        List<Sample> leaky = List.of(heldOut.get(0), train.get(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmTrainer.train(train, leaky, "test data", TINY,
                config(3), dir.resolve("m.gguf"), false, Map.of(), new LmTrainer.Listener() {}));
        assertTrue(e.getMessage().contains(train.get(5).id()), e.getMessage());
    }
}
