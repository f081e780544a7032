package io.llamasae.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-checked bins and quantiles of the activation histogram, and exact merges through FeatureStatistics. */
class ActivationHistogramTest {
    @Test
    void binsAreSixteenEqualWidthStepsPerOctaveWithExactEdges() {
        // 1.0 starts a bin; 1.0625 (= 1 + 1/16) starts the next; 2.0 starts the next octave, 16 bins on
        int b1 = ActivationHistogram.bin(1.0f);
        assertEquals(b1 + 1, ActivationHistogram.bin(1.0625f));
        assertEquals(b1, ActivationHistogram.bin(1.06f));
        assertEquals(b1 + 16, ActivationHistogram.bin(2.0f));
        assertEquals(1.0f, ActivationHistogram.lowerEdge(b1));
        assertEquals(1.0625f, ActivationHistogram.lowerEdge(b1 + 1));
        assertEquals(0.5f, ActivationHistogram.lowerEdge(b1 - 16));
        assertEquals(ActivationHistogram.bin(-3.3f), ActivationHistogram.bin(3.3f), "magnitude bins");
        assertEquals(0, ActivationHistogram.bin(1e-30f), "tiny values clamp to the first bin");
        assertEquals(ActivationHistogram.BINS - 1, ActivationHistogram.bin(1e30f), "huge values clamp to the last bin");
    }

    @Test
    void quantilesInterpolateInsideTheirBin() {
        ActivationHistogram h = new ActivationHistogram();
        // four values in [1, 1.0625), four in [2, 2.125): the median is the top of the lower bin
        for (float v : new float[] {1.01f, 1.02f, 1.03f, 1.04f, 2.01f, 2.02f, 2.05f, -2.1f}) h.add(v);
        h.add(0f);
        assertEquals(8, h.count(), "zeros are not counted");
        assertEquals(1.0625, h.magnitudeQuantile(0.5), 1e-9);
        assertEquals(1.0 + 0.0625 / 2, h.magnitudeQuantile(0.25), 1e-9);
        assertEquals(2.0 + 0.125 / 2, h.magnitudeQuantile(0.75), 1e-9);
        assertEquals(2.125, h.magnitudeQuantile(1.0), 1e-9);
        int b = ActivationHistogram.bin(2.1f);
        assertEquals(3, h.positive(b));
        assertEquals(1, h.negative(b));
        assertTrue(Double.isNaN(new ActivationHistogram().magnitudeQuantile(0.5)));
    }

    @Test
    void statisticsMergedFromShardsHaveIdenticalHistograms() {
        Random rnd = new Random(4);
        int f = 8, k = 3, rows = 300;
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        int[] sample = new int[rows];
        for (int r = 0; r < rows; r++) {
            sample[r] = r;
            for (int j = 0; j < k; j++) {
                idx[r * k + j] = (r + j * 3) % f;
                val[r * k + j] = (float) (rnd.nextGaussian() * 3);
            }
        }
        FeatureStatistics whole = new FeatureStatistics(f);
        whole.accumulate(idx, val, rows, k, sample, null);
        FeatureStatistics a = new FeatureStatistics(f), b = new FeatureStatistics(f);
        int half = 137;
        a.accumulate(java.util.Arrays.copyOf(idx, half * k), java.util.Arrays.copyOf(val, half * k), half, k, sample, null);
        b.accumulate(java.util.Arrays.copyOfRange(idx, half * k, rows * k), java.util.Arrays.copyOfRange(val, half * k, rows * k), rows - half, k,
                java.util.Arrays.copyOfRange(sample, half, rows), null);
        b.merge(a);
        for (int i = 0; i < f; i++) {
            assertEquals(whole.histogram(i), b.histogram(i), "feature " + i);
            assertEquals(whole.activeCount(i), whole.histogram(i).count());
        }
    }
}
