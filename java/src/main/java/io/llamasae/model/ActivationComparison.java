package io.llamasae.model;

/**
 * Error of an approximate tensor against a reference.
 *
 * @param maxAbsError     max |actual - ref|
 * @param maxAbsReference max |ref| (scale of the tensor)
 * @param maxRelError     max |actual - ref| / max |ref|: error relative to the tensor's scale
 * @param rmsRelError     rms(actual - ref) / rms(ref)
 */
public record ActivationComparison(double maxAbsError, double maxAbsReference, double maxRelError, double rmsRelError) {

    /** Compares {@code actual} (flat, same order) with {@code ref} rows. */
    public static ActivationComparison of(float[] actual, double[][] ref) {
        double maxErr = 0;
        double maxRef = 0;
        double sumErr2 = 0;
        double sumRef2 = 0;
        int k = 0;
        for (double[] row : ref) {
            for (double r : row) {
                double d = Math.abs(actual[k++] - r);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                maxErr = Math.max(maxErr, d);
                maxRef = Math.max(maxRef, Math.abs(r));
                sumErr2 += d * d;
                sumRef2 += r * r;
            }
        }
        if (k != actual.length) {
            throw new IllegalArgumentException("expected " + k + " values but found " + actual.length);
        }
        return new ActivationComparison(maxErr, maxRef, maxRef == 0 ? maxErr : maxErr / maxRef,
                sumRef2 == 0 ? Math.sqrt(sumErr2) : Math.sqrt(sumErr2 / sumRef2));
    }

    @Override
    public String toString() {
        return String.format("max|d|=%.3e max|ref|=%.3e max|d|/max|ref|=%.3e rms(d)/rms(ref)=%.3e",
                maxAbsError, maxAbsReference, maxRelError, rmsRelError);
    }
}
