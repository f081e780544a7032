package io.llamasae.sae.train;

/** Adam moments for one parameter array (Kingma & Ba 2015), bias-corrected. */
final class AdamState {
    private final float[] m;
    private final float[] v;

    AdamState(int size) {
        m = new float[size];
        v = new float[size];
    }

    /** One update of {@code p} with gradient {@code g} at 1-based step {@code t}. */
    void step(float[] p, float[] g, double lr, double beta1, double beta2, double eps, long t) {
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1.0 - b1);
        float c2 = (float) (1.0 - b2);
        // Fold both bias corrections into the step size: lr * sqrt(1 - b2^t) / (1 - b1^t).
        float stepSize = (float) (lr * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t)));
        float epsHat = (float) (eps * Math.sqrt(1.0 - Math.pow(beta2, t)));
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= stepSize * mi / ((float) Math.sqrt(vi) + epsHat);
        }
    }
}
