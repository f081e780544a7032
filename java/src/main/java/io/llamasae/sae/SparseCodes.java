package io.llamasae.sae;

/**
 * Sparse codes of n rows with k slots each, row-major: {@code indices: [n, k]} int32 (-1 = padding),
 * {@code values: [n, k]} float32 (0 for padding). Slots are sorted by key descending, ties by the
 * lower index, padding last.
 */
public record SparseCodes(int n, int k, int[] indices, float[] values) {
    public SparseCodes {
        long len = (long) n * k;
        if (n < 0 || k < 0 || indices.length != len || values.length != len) {
            throw new IllegalArgumentException("sparse codes: expected indices and values of length n*k = " + len
                    + " but found " + indices.length + " and " + values.length);
        }
    }

    /** Latent index in row {@code row}, slot {@code slot}. */
    public int index(int row, int slot) {
        return indices[row * k + slot];
    }

    /** Value in row {@code row}, slot {@code slot}. */
    public float value(int row, int slot) {
        return values[row * k + slot];
    }

    /** Number of active slots (index >= 0 and value != 0) in {@code row}. */
    public int activeCount(int row) {
        int c = 0;
        for (int j = row * k, e = j + k; j < e; j++) {
            if (indices[j] >= 0 && values[j] != 0f) {
                c++;
            }
        }
        return c;
    }
}
