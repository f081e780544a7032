package io.llamasae.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The linear read-out: planted class centres are found, labels without signal score at chance, ended rows are left out. */
class CentroidProbeTest {
    static float[][] rows(int n, int d, int[] labels, double signal, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) x[i][j] = (float) (r.nextGaussian() + (j == labels[i] ? signal : 0));
        }
        return x;
    }

    @Test
    void plantedClassesReadOutAndNoiseScoresAtChance() {
        int n = 400;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = (i * 7 + i / 13) % 4;
        assertTrue(CentroidProbe.crossValidatedAccuracy(rows(n, 16, labels, 6, 1), labels, 4, 5) > 0.99);
        double chance = CentroidProbe.crossValidatedAccuracy(rows(n, 16, labels, 0, 2), labels, 4, 5);
        assertTrue(chance > 0.15 && chance < 0.35, "no signal: " + chance);
    }

    @Test
    void rowsMarkedNaNAreNeitherTrainedOnNorScored() {
        int[] labels = {0, 0, 1, 1, 0, 0, 1, 1, 0, 1};  // both classes in each fold (fold = index mod 2)
        float[][] x = new float[10][];
        for (int i = 0; i < 10; i++) x[i] = new float[] {labels[i] == 0 ? -1f : 1f, 0f};
        x[3] = new float[] {Float.NaN, 0f};
        assertEquals(1.0, CentroidProbe.crossValidatedAccuracy(x, labels, 2, 2), 0.0, "9 scored rows, all right");
        float[][] none = {{Float.NaN}, {Float.NaN}};
        assertTrue(Double.isNaN(CentroidProbe.crossValidatedAccuracy(none, new int[] {0, 1}, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> CentroidProbe.crossValidatedAccuracy(x, labels, 2, 1));
    }
}
