package io.llamasae.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Statistics computed elsewhere (Spark executors) travel serialized; after the trip they merge like the original. */
class FeatureStatisticsSerializationTest {
    @Test
    void aSerializedShardMergesLikeTheOriginal() throws Exception {
        Random rng = new Random(9);
        int f = 40, k = 4, rows = 300;
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        int[] sample = new int[rows];
        for (int r = 0; r < rows; r++) {
            sample[r] = r;
            for (int j = 0; j < k; j++) {
                idx[r * k + j] = (r * 7 + j * 11) % f;
                val[r * k + j] = (float) rng.nextGaussian();
            }
        }
        FeatureStatistics whole = new FeatureStatistics(f, 5);
        whole.accumulate(idx, val, rows, k, sample, null);
        FeatureStatistics first = new FeatureStatistics(f, 5);
        FeatureStatistics second = new FeatureStatistics(f, 5);
        int cut = 120;
        first.accumulate(java.util.Arrays.copyOfRange(idx, 0, cut * k), java.util.Arrays.copyOfRange(val, 0, cut * k), cut, k,
                java.util.Arrays.copyOfRange(sample, 0, cut), null);
        second.accumulate(java.util.Arrays.copyOfRange(idx, cut * k, rows * k), java.util.Arrays.copyOfRange(val, cut * k, rows * k),
                rows - cut, k, java.util.Arrays.copyOfRange(sample, cut, rows), null);
        FeatureStatistics merged = roundTrip(first).merge(roundTrip(second));
        assertEquals(whole.rowCount(), merged.rowCount());
        for (int i = 0; i < f; i++) {
            assertEquals(whole.summary(i), merged.summary(i));
            assertEquals(whole.topSamples(i), merged.topSamples(i));
            assertEquals(whole.histogram(i), merged.histogram(i));
        }
        // a deserialized accumulator keeps accumulating (its duplicate guard is rebuilt)
        FeatureStatistics again = roundTrip(first);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> again.accumulate(new int[] {3, 3}, new float[] {1f, 2f}, 1, 2, new int[] {999}, null));
        assertEquals(first.activeCount(3), again.activeCount(3));  // the duplicate row was refused before counting
        again.accumulate(new int[] {3, 4}, new float[] {1f, 2f}, 1, 2, new int[] {999}, null);
        assertEquals(first.activeCount(3) + 1, again.activeCount(3));
    }

    private static FeatureStatistics roundTrip(FeatureStatistics s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (FeatureStatistics) in.readObject();
        }
    }
}
