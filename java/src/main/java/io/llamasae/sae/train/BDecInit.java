package io.llamasae.sae.train;

/** How the decoder bias b_dec is initialised before training. */
public enum BDecInit {
    /** Per-dimension mean of all training rows. */
    MEAN,
    /**
     * Geometric median of the first rows (up to {@link TopKSaeTrainer#MEDIAN_SAMPLE_ROWS}), by
     * Weiszfeld iterations; Gao et al. 2024 §2.3 and sparsify initialise b_dec this way.
     */
    GEOMETRIC_MEDIAN
}
