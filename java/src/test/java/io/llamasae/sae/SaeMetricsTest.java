package io.llamasae.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SaeMetricsTest {

    @Test
    void handComputedSmallCase() {
        // x rows (1, 0), (3, 0): mean (2, 0), total variance 1 + 1 = 2.
        // x_hat rows (1, 1), (3, 0): squared error 1 -> EV = 1 - 1/2, MSE = 1/4.
        SaeMetrics m = new SaeMetrics(2, 3);
        SparseCodes c = new SparseCodes(2, 2, new int[] {0, 2, 2, -1}, new float[] {1f, 0f, 2f, 0f});
        m.add(new float[] {1, 0, 3, 0}, new float[] {1, 1, 3, 0}, c);
        MetricsSummary s = m.summary();
        assertEquals(2, s.rows());
        assertEquals(0.25, s.mse(), 1e-15);
        assertEquals(0.5, s.explainedVariance(), 1e-15);
        assertEquals((1 / Math.sqrt(2) + 1) / 2, s.meanCosine(), 1e-12); // each row's cosine is summed at 2^-40 resolution
        assertEquals(1.0, s.l0(), 1e-15); // row 0: f0 active (f2 has value 0); row 1: f2 active
        assertEquals(1, s.deadLatents()); // f1 never active
        assertEquals(1.0 / 3, s.deadFraction(), 1e-15);
        assertArrayEquals(new long[] {1, 0, 1}, m.activeCounts());
    }

    @Test
    void mergeEqualsOnePassBitForBit() {
        Random rng = new Random(5);
        int d = 7, nl = 20, n = 1000, k = 3;
        float[] x = new float[n * d];
        float[] h = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1000 + rng.nextGaussian()); // large mean: naive sum-of-squares would cancel
            h[i] = x[i] + (float) (0.1 * rng.nextGaussian());
        }
        int[] idx = new int[n * k];
        float[] val = new float[n * k];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rng.nextInt(nl + 1) - 1;
            val[i] = rng.nextInt(4) == 0 ? 0f : 1f;
        }
        SaeMetrics one = new SaeMetrics(d, nl);
        SaeMetrics[] parts = {new SaeMetrics(d, nl), new SaeMetrics(d, nl), new SaeMetrics(d, nl)};
        int[] cut = {0, 1, 400, n}; // uneven split including a single-row part
        for (int r = 0; r < n; r++) {
            one.addRow(x, r * d, h, r * d, idx, val, r * k, k);
            int p = r < cut[1] ? 0 : r < cut[2] ? 1 : 2;
            parts[p].addRow(x, r * d, h, r * d, idx, val, r * k, k);
        }
        SaeMetrics merged = new SaeMetrics(d, nl);
        for (SaeMetrics p : parts) {
            merged.merge(p);
        }
        MetricsSummary a = one.summary();
        MetricsSummary b = merged.summary();
        // Exact sums: the split, and the order of the merges, change no bit of any metric.
        assertEquals(a, b);
        SaeMetrics reversed = new SaeMetrics(d, nl);
        for (int p = parts.length - 1; p >= 0; p--) {
            reversed.merge(parts[p]);
        }
        assertEquals(a, reversed.summary());
        assertEquals(Double.doubleToRawLongBits(one.totalVariance()), Double.doubleToRawLongBits(reversed.totalVariance()));
        assertArrayEquals(one.activeCounts(), merged.activeCounts());
        // The exact denominator is accurate despite the mean of 1000: compare with a two-pass sum.
        double tv = 0;
        for (int i = 0; i < d; i++) {
            double mu = 0;
            for (int r = 0; r < n; r++) {
                mu += x[r * d + i];
            }
            mu /= n;
            for (int r = 0; r < n; r++) {
                tv += (x[r * d + i] - mu) * (x[r * d + i] - mu);
            }
        }
        assertEquals(tv, merged.totalVariance(), 1e-12 * tv);
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        // Spark ships partition results to the driver serialized; the merged result must not change.
        SaeMetrics m = new SaeMetrics(2, 3);
        SparseCodes c = new SparseCodes(2, 2, new int[] {0, 2, 2, -1}, new float[] {1f, 0f, -2f, 0f});
        m.add(new float[] {1e-30f, -7.5f, 3e4f, 0.1f}, new float[] {1, 1, 3e4f, 0}, c);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        SaeMetrics back;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = (SaeMetrics) in.readObject();
        }
        assertEquals(m.summary(), back.summary());
        back.merge(m);
        SaeMetrics twice = new SaeMetrics(2, 3);
        twice.add(new float[] {1e-30f, -7.5f, 3e4f, 0.1f}, new float[] {1, 1, 3e4f, 0}, c);
        twice.add(new float[] {1e-30f, -7.5f, 3e4f, 0.1f}, new float[] {1, 1, 3e4f, 0}, c);
        assertEquals(twice.summary(), back.summary());
    }
}
