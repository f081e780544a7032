package io.llamasae.sae.train;

import java.util.Random;

/**
 * Synthetic activations from a planted dictionary: {@code atoms: [A, d]} random unit vectors; each
 * row is a non-negative combination of 3–5 distinct atoms with coefficients in [0.5, 2.5), plus
 * Gaussian noise of standard deviation {@code noise} per dimension and an offset.
 */
record PlantedDictionary(int d, int numAtoms, float[] atoms, float[] x, int n) {

    static PlantedDictionary generate(int d, int numAtoms, int n, double noise, long seed) {
        return generate(d, d, numAtoms, n, noise, seed);
    }

    /** Same, with the atoms confined to the first {@code span} coordinates (a low-dimensional subspace). */
    static PlantedDictionary generate(int d, int span, int numAtoms, int n, double noise, long seed) {
        Random rng = new Random(seed);
        float[] atoms = new float[numAtoms * d];
        for (int a = 0; a < numAtoms; a++) {
            double norm = 0;
            for (int i = 0; i < span; i++) {
                atoms[a * d + i] = (float) rng.nextGaussian();
                norm += atoms[a * d + i] * atoms[a * d + i];
            }
            for (int i = 0; i < d; i++) {
                atoms[a * d + i] /= (float) Math.sqrt(norm);
            }
        }
        float[] offset = new float[d];
        for (int i = 0; i < d; i++) {
            offset[i] = (float) (0.3 * rng.nextGaussian());
        }
        float[] x = new float[n * d];
        for (int r = 0; r < n; r++) {
            int active = 3 + rng.nextInt(3);
            int[] chosen = new int[active];
            for (int j = 0; j < active; j++) {
                int a;
                boolean dup;
                do {
                    a = rng.nextInt(numAtoms);
                    dup = false;
                    for (int q = 0; q < j; q++) {
                        dup |= chosen[q] == a;
                    }
                } while (dup);
                chosen[j] = a;
                double c = 0.5 + 2.0 * rng.nextDouble();
                for (int i = 0; i < d; i++) {
                    x[r * d + i] += (float) (c * atoms[a * d + i]);
                }
            }
            for (int i = 0; i < d; i++) {
                x[r * d + i] += (float) (offset[i] + noise * rng.nextGaussian());
            }
        }
        return new PlantedDictionary(d, numAtoms, atoms, x, n);
    }

    /** Fraction of atoms whose best cosine with a row of {@code wDec: [F, d]} exceeds {@code minCos}. */
    double recovered(float[] wDec, int numLatents, double minCos) {
        int ok = 0;
        for (int a = 0; a < numAtoms; a++) {
            double best = -1;
            for (int f = 0; f < numLatents; f++) {
                double dot = 0, nn = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) atoms[a * d + i] * wDec[f * d + i];
                    nn += (double) wDec[f * d + i] * wDec[f * d + i];
                }
                best = Math.max(best, dot / Math.sqrt(Math.max(nn, 1e-30)));
            }
            if (best > minCos) {
                ok++;
            }
        }
        return (double) ok / numAtoms;
    }
}
