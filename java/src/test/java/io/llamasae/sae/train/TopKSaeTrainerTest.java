package io.llamasae.sae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.sae.Activation;
import io.llamasae.sae.MetricsSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopKSaeTrainerTest {

    @Test
    void recoversPlantedDictionary() throws Exception {
        PlantedDictionary p = PlantedDictionary.generate(32, 64, 20000, 0.02, 7);
        TrainConfig cfg = TrainConfig.builder().k(8).latents(128).epochs(8).batchSize(64).lr(3e-3).seed(1).build();
        long t0 = System.nanoTime();
        TrainResult r = TopKSaeTrainer.train(p.x(), p.n(), p.d(), cfg);
        double secs = (System.nanoTime() - t0) / 1e9;
        MetricsSummary m = r.finalMetrics();
        double rec = p.recovered(r.sae().wDec(), 128, 0.9);
        System.out.printf("planted: EV=%.4f mse=%.5g cos=%.4f l0=%.2f dead=%.3f recovered=%.3f in %.2fs%n",
                m.explainedVariance(), m.mse(), m.meanCosine(), m.l0(), m.deadFraction(), rec, secs);
        r.epochs().forEach(e -> System.out.println("  " + e));
        assertTrue(m.explainedVariance() > 0.9, "EV " + m.explainedVariance());
        assertTrue(rec >= 0.9, "recovered fraction " + rec);
    }
}
