package io.llamasae.analysis;

import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Negative control on real GSM8K problems: codes that carry no information about the problems (each latent
 * fires at random with its own rate, 10^-3..1, like a real dictionary's frequency spread). Sound mode must
 * label nothing specialized; the reference rules, fed the same noise, "find" specialized rare features.
 */
class NegativeControlTest {
    @Test
    void randomCodesAreNeverSpecializedInSoundMode() {
        Path test = Path.of(System.getProperty("llama.sae.shared", "../shared")).resolve("data/gsm8k/test.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(test), "GSM8K test set not present at " + test + "; skipping");
        List<Sample> samples = DatasetReader.read(test).samples();
        int n = samples.size();
        int features = 512;
        int k = 100;
        SplittableRandom r = new SplittableRandom(1);
        double[] rate = new double[features];
        for (int f = 0; f < features; f++) {
            rate[f] = Math.pow(10, -3 + 3 * r.nextDouble());
        }
        int[] idx = new int[n * k];
        float[] val = new float[n * k];
        int[] si = new int[n];
        for (int i = 0; i < n; i++) {
            si[i] = i;
            int j = 0;
            for (int f = 0; f < features && j < k; f++) {
                if (r.nextDouble() < rate[f]) {
                    idx[i * k + j] = f;
                    val[i * k + j] = (float) r.nextGaussian();
                    j++;
                }
            }
            for (; j < k; j++) {
                idx[i * k + j] = -1;
            }
        }
        FeatureStatistics stats = new FeatureStatistics(features);
        stats.accumulate(idx, val, n, k, si, null);
        StudyConfig.Builder cfg = StudyConfig.builder().layer(14).position(3).bands("1-512");

        StudyResult sound = StudyAnalysis.run(stats, samples, cfg.mode(AnalysisMode.SOUND).build());
        BandResult sb = sound.bands().get(0);
        assertEquals(List.of(), sb.specialized().stream().map(f -> f.featureId() + " " + f.type() + " " + f.description()).toList());
        assertTrue(sb.typeCounts().getOrDefault(SoundRules.INSUFFICIENT_EVIDENCE, 0) > 0, "rare latents are flagged, not labelled");

        StudyResult seed = StudyAnalysis.run(stats, samples, cfg.mode(AnalysisMode.SEED).build());
        int seedSpecialized = seed.bands().get(0).specialized().size();
        System.out.println("negative control: seed mode labels " + seedSpecialized + " random latents specialized, proposes "
                + seed.bands().get(0).swapPairs().size() + " swap pairs; sound mode " + sb.typeCounts());
        assertTrue(seedSpecialized > 0, "the reference rules mistake noise in rare latents for specialization");
    }
}
