package io.llamasae.sae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.sae.Activation;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopKSaeTrainerTest {
    @TempDir
    Path dir;

    /** d = 32, 64 planted unit atoms, rows = 3–5 atoms with coefficients in [0.5, 2.5) + noise 0.02. */
    @Test
    void recoversPlantedDictionary() throws Exception {
        PlantedDictionary p = PlantedDictionary.generate(32, 64, 20000, 0.02, 7);
        TrainConfig cfg = TrainConfig.builder().k(8).latents(128).epochs(8).batchSize(64).lr(3e-3).seed(1).build();
        long t0 = System.nanoTime();
        TrainResult r = TopKSaeTrainer.train(p.x(), p.n(), p.d(), cfg);
        double secs = (System.nanoTime() - t0) / 1e9;
        MetricsSummary m = r.finalMetrics();
        double rec = p.recovered(r.sae().wDec(), 128, 0.9);
        System.out.printf("planted d=32 atoms=64 F=128 k=8 N=20000 x8 epochs: EV=%.4f mse=%.5g cos=%.4f l0=%.2f "
                + "dead=%.3f recovered(cos>0.9)=%.3f in %.2fs%n", m.explainedVariance(), m.mse(), m.meanCosine(),
                m.l0(), m.deadFraction(), rec, secs);
        assertTrue(m.explainedVariance() > 0.9, "EV " + m.explainedVariance());
        assertTrue(rec >= 0.9, "recovered fraction " + rec);
        assertEquals(8, r.epochs().size());
        assertTrue(r.epochs().get(7).explainedVariance() > r.epochs().get(0).explainedVariance());
        // Decoder rows stay unit-norm.
        for (int f = 0; f < 128; f++) {
            double n2 = 0;
            for (int i = 0; i < 32; i++) {
                n2 += r.sae().wDec()[f * 32 + i] * r.sae().wDec()[f * 32 + i];
            }
            assertEquals(1.0, n2, 1e-5);
        }
    }

    /**
     * A run built to create dead latents: 96 of 128 latents start with encoder rows scaled by 0.05,
     * so they lose every Top-K contest and, without AuxK, never receive a gradient. AuxK trains
     * them on the residual the live latents leave, which revives many of them.
     */
    @Test
    void auxKRevivesLatentsKilledByABadInit() throws Exception {
        int d = 32, nl = 128, strong = 32;
        PlantedDictionary p = PlantedDictionary.generate(d, 64, 8000, 0.02, 9);
        Random rng = new Random(4);
        float[] wDec = new float[nl * d];
        for (int f = 0; f < nl; f++) {
            double n2 = 0;
            for (int i = 0; i < d; i++) {
                wDec[f * d + i] = (float) rng.nextGaussian();
                n2 += wDec[f * d + i] * wDec[f * d + i];
            }
            for (int i = 0; i < d; i++) {
                wDec[f * d + i] /= (float) Math.sqrt(n2);
            }
        }
        float[] wEnc = wDec.clone();
        for (int j = strong * d; j < wEnc.length; j++) {
            wEnc[j] *= 0.05f;
        }
        float[] mean = new float[d];
        for (int r = 0; r < p.n(); r++) {
            for (int i = 0; i < d; i++) {
                mean[i] += p.x()[r * d + i] / p.n();
            }
        }
        Sae badInit = Sae.withPreEncoderBias(d, nl, wEnc, new float[nl], wDec, mean, null, Activation.TOPK_RELU, 4);
        TrainConfig base = TrainConfig.builder().k(4).latents(nl).epochs(8).batchSize(64).lr(2e-3).seed(2)
                .deadTokens(1000).build();
        List<TrainResult> rs = TopKSaeTrainer.trainGrid(new InMemoryActivations(p.x(), p.n(), d),
                List.of(base.toBuilder().auxKCoef(0).build(), base), Arrays.asList(badInit, badInit), s -> { });
        MetricsSummary without = rs.get(0).finalMetrics();
        MetricsSummary with = rs.get(1).finalMetrics();
        System.out.printf("bad init F=128 (96 weak): dead without AuxK %.3f (EV %.4f, recovered %.2f), with AuxK "
                        + "%.3f (EV %.4f, recovered %.2f), both in %.2fs%n",
                without.deadFraction(), without.explainedVariance(), p.recovered(rs.get(0).sae().wDec(), nl, 0.9),
                with.deadFraction(), with.explainedVariance(), p.recovered(rs.get(1).sae().wDec(), nl, 0.9),
                rs.get(0).seconds());
        assertTrue(without.deadFraction() > 0.6, "the bad init must leave dead latents: " + without.deadFraction());
        assertTrue(with.deadFraction() < without.deadFraction() - 0.15,
                "AuxK " + with.deadFraction() + " vs " + without.deadFraction());
        assertTrue(with.explainedVariance() > without.explainedVariance() + 0.1);
    }

    /**
     * Same seed → identical weights; a model trained inside a grid equals the model trained
     * alone; streaming from a safetensors file in chunks equals training from memory.
     */
    @Test
    void deterministicAcrossGridAndStreaming() throws Exception {
        PlantedDictionary p = PlantedDictionary.generate(16, 24, 3000, 0.05, 3);
        TrainConfig a = TrainConfig.builder().k(4).latents(48).epochs(3).batchSize(50).chunkRows(700).seed(5).build();
        TrainConfig b = a.toBuilder().k(6).latents(64).activation(Activation.TOPK_ABS).bDecInit(BDecInit.MEAN).build();
        TrainResult alone = TopKSaeTrainer.train(p.x(), p.n(), 16, a);
        TrainResult again = TopKSaeTrainer.train(p.x(), p.n(), 16, a);
        assertArrayEquals(alone.sae().wDec(), again.sae().wDec());
        assertArrayEquals(alone.sae().bEnc(), again.sae().bEnc());

        List<TrainResult> grid = TopKSaeTrainer.trainGrid(new InMemoryActivations(p.x(), p.n(), 16), List.of(b, a),
                s -> { });
        assertArrayEquals(alone.sae().wEnc(), grid.get(1).sae().wEnc());
        assertArrayEquals(alone.sae().wDec(), grid.get(1).sae().wDec());
        assertEquals(Activation.TOPK_ABS, grid.get(0).sae().activation());

        Path acts = dir.resolve("acts.safetensors");
        try (StreamingSafetensorsWriter w = new StreamingSafetensorsWriter(acts)) {
            w.declare("layer3.pos-1", DType.F32, 16);
            for (int r = 0; r < p.n(); r += 1000) {
                w.appendRows("layer3.pos-1", p.x(), r * 16, Math.min(1000, p.n() - r) * 16);
            }
            w.commit();
        }
        try (SafetensorsReader reader = SafetensorsReader.open(acts)) {
            TrainResult streamed = TopKSaeTrainer.train(new SafetensorsActivations(reader, "layer3.pos-1"), a);
            assertArrayEquals(alone.sae().wDec(), streamed.sae().wDec());
            assertArrayEquals(alone.sae().bDec(), streamed.sae().bDec());
        }
    }

    @Test
    void writesSaeLensAndMetrics() throws Exception {
        PlantedDictionary p = PlantedDictionary.generate(16, 24, 2000, 0.05, 3);
        TrainConfig cfg = TrainConfig.builder().k(4).latents(32).epochs(2).batchSize(64).build();
        TrainResult r = TopKSaeTrainer.train(p.x(), p.n(), 16, cfg);
        Path out = dir.resolve("sae");
        TopKSaeTrainer.writeResult(r, out, Map.of("hook_layer", 3));
        Sae back = SaeLoader.load(out, Optional.empty());
        assertArrayEquals(r.sae().wEnc(), back.wEnc());
        assertArrayEquals(r.sae().bEnc(), back.bEnc());
        assertEquals(4, back.defaultK());
        JsonNode cfgJson = new ObjectMapper().readTree(out.resolve("cfg.json").toFile());
        assertEquals("topk", cfgJson.get("architecture").asText());
        assertEquals(4, cfgJson.get("k").asInt());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(2, metrics.get("epochs").size());
        assertEquals(r.finalMetrics().explainedVariance(), metrics.get("final").get("explainedVariance").asDouble());
        assertEquals(2e-4 / Math.sqrt(32 / 16384.0), metrics.get("config").get("lr").asDouble(), 1e-12);
        assertEquals(8, metrics.get("config").get("auxK").asInt(), "auto k_aux = d / 2");
    }

    @Test
    void rejectsBadConfigsAndData() {
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().k(600).latents(512).build());
        assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.builder().activation(Activation.JUMPRELU).build());
        TrainConfig a = TrainConfig.builder().k(2).latents(8).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopKSaeTrainer.trainGrid(
                new InMemoryActivations(new float[64], 8, 8), List.of(a, a.toBuilder().epochs(3).build()), s -> { }));
        assertTrue(e.getMessage().contains("share"), e.getMessage());
        float[] x = new float[64];
        x[10] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> TopKSaeTrainer.train(x, 8, 8, a));
        assertTrue(e.getMessage().contains("row 1, column 2"), e.getMessage());
    }
}
