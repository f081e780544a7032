package io.llamasae.analysis;

/**
 * How much of a label a set of vectors carries, read out linearly: a nearest-class-centroid
 * classifier on standardized features, scored by k-fold cross-validation (fold = index mod k).
 * Used to find where in the residual stream a model holds a quantity (e.g. the operation it is
 * about to write) and whether its random-init twin holds it as well.
 */
public final class CentroidProbe {
    private CentroidProbe() {}

    /**
     * Cross-validated accuracy.
     *
     * @param x       rows {@code [n][d]}; rows whose first value is NaN (e.g. a sequence that ended
     *                before a generated step) are left out of training and scoring
     * @param labels  class of each row, {@code 0..classes-1}
     * @param classes number of classes
     * @param folds   k of k-fold cross-validation (>= 2)
     * @return correct / scored rows (NaN when no row is scored)
     */
    public static double crossValidatedAccuracy(float[][] x, int[] labels, int classes, int folds) {
        int n = labels.length;
        if (x.length != n) throw new IllegalArgumentException("probe: " + x.length + " rows but " + n + " labels");
        if (folds < 2) throw new IllegalArgumentException("probe: expected at least 2 folds but found " + folds);
        if (n == 0) return Double.NaN;
        int d = x[0].length;
        int correct = 0;
        int scored = 0;
        for (int fold = 0; fold < folds; fold++) {
            // standardize with the training folds' mean and standard deviation
            double[] mean = new double[d];
            double[] sd = new double[d];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (i % folds == fold || Float.isNaN(x[i][0])) continue;
                m++;
                for (int j = 0; j < d; j++) mean[j] += x[i][j];
            }
            if (m == 0) continue;
            for (int j = 0; j < d; j++) mean[j] /= m;
            for (int i = 0; i < n; i++) {
                if (i % folds == fold || Float.isNaN(x[i][0])) continue;
                for (int j = 0; j < d; j++) sd[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
            }
            for (int j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] / m) + 1e-6;
            // class centroids in the standardized space
            double[][] centroid = new double[classes][d];
            int[] count = new int[classes];
            for (int i = 0; i < n; i++) {
                if (i % folds == fold || Float.isNaN(x[i][0])) continue;
                count[labels[i]]++;
                for (int j = 0; j < d; j++) centroid[labels[i]][j] += (x[i][j] - mean[j]) / sd[j];
            }
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < d; j++) centroid[c][j] /= Math.max(1, count[c]);
            }
            // score the held-out fold by the nearest centroid
            for (int i = fold; i < n; i += folds) {
                if (Float.isNaN(x[i][0])) continue;
                int best = -1;
                double bestDistance = Double.MAX_VALUE;
                for (int c = 0; c < classes; c++) {
                    if (count[c] == 0) continue;
                    double distance = 0;
                    for (int j = 0; j < d; j++) {
                        double z = (x[i][j] - mean[j]) / sd[j] - centroid[c][j];
                        distance += z * z;
                    }
                    if (distance < bestDistance) {
                        bestDistance = distance;
                        best = c;
                    }
                }
                scored++;
                if (best == labels[i]) correct++;
            }
        }
        return scored == 0 ? Double.NaN : (double) correct / scored;
    }
}
