package io.llamasae.sae.train;

/** Geometric median of rows {@code x: [n, d]} by Weiszfeld's algorithm, in double precision. */
final class GeometricMedian {
    private GeometricMedian() {
    }

    /** The point minimising the sum of Euclidean distances to the rows (approximately, 1e-7 relative). */
    static float[] of(float[] x, int n, int d, int maxIterations) {
        double[] y = new double[d];
        for (int r = 0; r < n; r++) { // start at the mean
            for (int i = 0; i < d; i++) {
                y[i] += x[r * d + i];
            }
        }
        double scale = 0;
        for (int i = 0; i < d; i++) {
            y[i] /= n;
            scale = Math.max(scale, Math.abs(y[i]));
        }
        double[] next = new double[d];
        for (int it = 0; it < maxIterations; it++) {
            java.util.Arrays.fill(next, 0);
            double wSum = 0;
            for (int r = 0; r < n; r++) {
                double dist2 = 0;
                for (int i = 0; i < d; i++) {
                    double e = x[r * d + i] - y[i];
                    dist2 += e * e;
                }
                // Rows sitting on the estimate get a large finite weight instead of 1/0.
                double w = 1.0 / Math.max(Math.sqrt(dist2), 1e-12);
                wSum += w;
                for (int i = 0; i < d; i++) {
                    next[i] += w * x[r * d + i];
                }
            }
            double move = 0;
            for (int i = 0; i < d; i++) {
                next[i] /= wSum;
                move = Math.max(move, Math.abs(next[i] - y[i]));
            }
            double[] t = y;
            y = next;
            next = t;
            if (move <= 1e-7 * Math.max(scale, 1e-30)) {
                break;
            }
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            out[i] = (float) y[i];
        }
        return out;
    }
}
