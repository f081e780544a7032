package io.llamasae.analysis;

import java.util.Arrays;

/** Benjamini–Hochberg (1995) step-up FDR adjustment. */
public final class BenjaminiHochberg {
    private BenjaminiHochberg() {
    }

    /**
     * Adjusted p-values ("q-values" in the BH sense): q_(i) = min_{j >= i} p_(j) · m / j, capped at 1,
     * returned in the input order. {@code p: [m]}, each in [0, 1].
     */
    public static double[] adjust(double[] p) {
        int m = p.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            if (!(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("p[" + i + "]: expected a probability in [0,1] but found " + p[i]);
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
        double[] q = new double[m];
        double running = 1.0;
        for (int r = m - 1; r >= 0; r--) {
            int i = order[r];
            running = Math.min(running, p[i] * m / (r + 1));
            q[i] = running;
        }
        return q;
    }
}
