package io.llamasae.sae;

/**
 * Computes sparse codes following the shared numeric contracts. Implementations: the
 * double-precision {@link ReferenceEncoder} (oracle), the float {@link JavaEncoder}, and native
 * kernels plugged in later.
 */
public interface Encoder {
    /**
     * Encodes the first {@code n} rows of {@code x: [>= n, d]} (row-major, d = sae.d()) into
     * {@code k} slots per row; x may hold more rows than n (they are ignored).
     *
     * @throws InvalidSaeException when k is outside 1..F or x has the wrong length
     */
    SparseCodes encode(Sae sae, float[] x, int n, int k);
}
