package io.llamasae.analysis;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureStatisticsTest {
    @Test
    void handExample() {
        FeatureStatistics s = new FeatureStatistics(3, 5);
        // rows: [f0=1.0, f1=-2.0], [f0=0.0 (inactive), pad], [f1=3.0, f0=-0.5]
        s.accumulate(new int[]{0, 1, 0, -1, 1, 0}, new float[]{1f, -2f, 0f, 5f, 3f, -0.5f}, 3, 2, new int[]{0, 1, 2}, null);
        assertEquals(3, s.rowCount());
        FeatureSummary f0 = s.summary(0);
        assertEquals(2, f0.activeCount());
        assertEquals(2.0 / 3, f0.activationFreq(), 1e-15);
        assertEquals(1.5 / 3, f0.meanMagnitude(), 1e-12);
        assertEquals(0.75, f0.meanAbsWhenActive(), 1e-12);
        assertEquals(0.25, f0.meanWhenActive(), 1e-12);
        assertEquals(1.0, f0.maxAbs());
        assertEquals(List.of(new TopSample(2, 0, 3f), new TopSample(0, 0, -2f)), s.topSamples(1));
        assertEquals(0, s.summary(2).activeCount());
        assertEquals(0, s.summary(2).meanWhenActive());
        assertEquals(List.of(), s.topSamples(2));
    }

    @Test
    void topSamplesTieBreakByLowerSampleIndex() {
        FeatureStatistics s = new FeatureStatistics(1, 2);
        s.accumulate(new int[]{0, 0, 0}, new float[]{2f, -2f, 2f}, 3, 1, new int[]{9, 4, 6}, null);
        assertEquals(List.of(new TopSample(4, 0, -2f), new TopSample(6, 0, 2f)), s.topSamples(0));
    }

    @Test
    void rejectsBadInput() {
        FeatureStatistics s = new FeatureStatistics(4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.accumulate(new int[]{7}, new float[]{1f}, 1, 1, new int[]{0}, null))
                .getMessage().contains("[0, 4)"));
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(new int[]{1, 1}, new float[]{1f, 2f}, 1, 2, new int[]{0}, null));
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(new int[]{1}, new float[]{Float.NaN}, 1, 1, new int[]{0}, null));
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(new int[]{1}, new float[]{1f}, 2, 1, new int[]{0, 1}, null));
        assertThrows(IllegalArgumentException.class, () -> s.merge(new FeatureStatistics(5)));
        // a bad entry in the second row must not leave the first row counted
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(new int[]{1, 9}, new float[]{1f, 1f}, 2, 1, new int[]{0, 1}, null));
        assertEquals(0, s.rowCount());
        assertEquals(0, s.activeCount(1), "a rejected batch leaves no trace");
    }

    /** Random Top-K codes: indices [rows, k] (some padded with -1), values [rows, k]. */
    private record Codes(int[] idx, float[] val, int rows, int k, int[] sample, int[] pos) {
    }

    private static Codes random(int rows, int k, int features, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            List<Integer> pool = new ArrayList<>();
            for (int f = 0; f < features; f++) {
                pool.add(f);
            }
            for (int j = 0; j < k; j++) {
                int f = pool.remove(r.nextInt(pool.size()));
                idx[i * k + j] = r.nextInt(10) == 0 ? -1 : f;
                // quantised magnitudes make exact |a| ties common, exercising the tie-break
                val[i * k + j] = (float) ((r.nextInt(40) - 20) * 0.37);
            }
        }
        int[] sample = new int[rows];
        int[] pos = new int[rows];
        for (int i = 0; i < rows; i++) {
            sample[i] = i;
            pos[i] = 3;
        }
        return new Codes(idx, val, rows, k, sample, pos);
    }

    private static FeatureStatistics range(Codes c, int from, int to, int features, int topN) {
        FeatureStatistics s = new FeatureStatistics(features, topN);
        int k = c.k();
        s.accumulate(java.util.Arrays.copyOfRange(c.idx(), from * k, to * k), java.util.Arrays.copyOfRange(c.val(), from * k, to * k),
                to - from, k, java.util.Arrays.copyOfRange(c.sample(), from, to), java.util.Arrays.copyOfRange(c.pos(), from, to));
        return s;
    }

    private static void assertIdentical(FeatureStatistics a, FeatureStatistics b) {
        assertEquals(a.rowCount(), b.rowCount());
        for (int f = 0; f < a.numFeatures(); f++) {
            assertEquals(a.activeCount(f), b.activeCount(f));
            assertEquals(Double.doubleToRawLongBits(a.sumAbs(f)), Double.doubleToRawLongBits(b.sumAbs(f)), "sumAbs f" + f);
            assertEquals(Double.doubleToRawLongBits(a.sum(f)), Double.doubleToRawLongBits(b.sum(f)), "sum f" + f);
            assertEquals(a.maxAbs(f), b.maxAbs(f));
            assertEquals(a.summary(f), b.summary(f));
            assertEquals(a.topSamples(f), b.topSamples(f), "top f" + f);
        }
    }

    @Test
    void batchedShardedAndOneByOneAreIdenticalAndMatchDoubleReference() {
        int features = 40;
        int k = 8;
        int rows = 900;
        int topN = 12;
        Codes c = random(rows, k, features, 99);
        FeatureStatistics whole = range(c, 0, rows, features, topN);

        FeatureStatistics batched = new FeatureStatistics(features, topN);
        for (int from = 0; from < rows; from += 37) {
            batched.merge(range(c, from, Math.min(rows, from + 37), features, topN));
        }
        FeatureStatistics oneByOne = new FeatureStatistics(features, topN);
        for (int i = 0; i < rows; i++) {
            oneByOne.accumulate(java.util.Arrays.copyOfRange(c.idx(), i * k, i * k + k), java.util.Arrays.copyOfRange(c.val(), i * k, i * k + k),
                    1, k, new int[]{i}, new int[]{3});
        }
        FeatureStatistics shardsReversed = range(c, 600, rows, features, topN).merge(range(c, 0, 250, features, topN))
                .merge(range(c, 250, 600, features, topN));
        // direct (off-heap, little-endian) buffers as the engine hands them over
        IntBuffer ib = ByteBuffer.allocateDirect(4 * rows * k).order(ByteOrder.nativeOrder()).asIntBuffer().put(c.idx());
        FloatBuffer fb = ByteBuffer.allocateDirect(4 * rows * k).order(ByteOrder.nativeOrder()).asFloatBuffer().put(c.val());
        FeatureStatistics direct = new FeatureStatistics(features, topN);
        direct.accumulate(ib.flip(), fb.flip(), rows, k, IntBuffer.wrap(c.sample()), IntBuffer.wrap(c.pos()));

        assertIdentical(whole, batched);
        assertIdentical(whole, oneByOne);
        assertIdentical(whole, shardsReversed);
        assertIdentical(whole, direct);

        // double-precision dense reference
        for (int f = 0; f < features; f++) {
            long cnt = 0;
            double sa = 0;
            double s = 0;
            List<float[]> act = new ArrayList<>();
            for (int i = 0; i < rows * k; i++) {
                if (c.idx()[i] == f && c.val()[i] != 0f) {
                    cnt++;
                    sa += Math.abs((double) c.val()[i]);
                    s += c.val()[i];
                    act.add(new float[]{Math.abs(c.val()[i]), i / k});
                }
            }
            assertEquals(cnt, whole.activeCount(f));
            assertEquals(sa / rows, whole.summary(f).meanMagnitude(), 1e-9);
            assertEquals(s, whole.sum(f), 1e-8);
            act.sort((x, y) -> x[0] != y[0] ? Float.compare(y[0], x[0]) : Float.compare(x[1], y[1]));
            List<TopSample> top = whole.topSamples(f);
            assertEquals(Math.min(topN, act.size()), top.size());
            for (int i = 0; i < top.size(); i++) {
                assertEquals((int) act.get(i)[1], top.get(i).sampleIndex(), "rank " + i + " of feature " + f);
            }
        }
    }
}
