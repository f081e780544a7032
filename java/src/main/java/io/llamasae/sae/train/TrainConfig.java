package io.llamasae.sae.train;

import io.llamasae.sae.Activation;

/**
 * Configuration of one Top-K SAE training run; build with {@link #builder()}. Defaults follow
 * EleutherAI sparsify / Gao et al. 2024 ("Scaling and evaluating sparse autoencoders") scaled
 * down to small captured data sets.
 *
 * @param k                  active latents per row (default 32)
 * @param latents            dictionary size F (default 512)
 * @param activation         {@link Activation#TOPK_RELU} (default) or {@link Activation#TOPK_ABS}
 * @param lr                 Adam learning rate; NaN (default) = auto: 2e-4 / sqrt(F / 16384), the
 *                           scaling law of Gao et al. §2.4 as used by sparsify (≈1.1e-3 for F=512)
 * @param batchSize          rows per optimiser step (default 128)
 * @param epochs             passes over the data (default 10)
 * @param adamBeta1          Adam β1 (default 0.9)
 * @param adamBeta2          Adam β2 (default 0.999)
 * @param adamEps            Adam ε (default 1e-8)
 * @param auxKCoef           AuxK loss coefficient α (default 1/32, Gao et al. §A.2); 0 disables AuxK
 * @param auxK               k_aux, dead latents used by AuxK per row; 0 (default) = auto: d / 2
 * @param deadTokens         a latent is dead after this many tokens without firing; 0 (default) =
 *                           auto: min(10,000,000 (sparsify's default), rows in the data set)
 * @param seed               seed for initialisation and shuffling (default 0)
 * @param bDecInit           b_dec initialisation (default {@link BDecInit#GEOMETRIC_MEDIAN})
 * @param normalizeDecoder   keep decoder rows unit-norm (default true)
 * @param chunkRows          rows read from the source at a time and shuffled together (default 16384)
 */
public record TrainConfig(int k, int latents, Activation activation, double lr, int batchSize, int epochs,
                          double adamBeta1, double adamBeta2, double adamEps, double auxKCoef, int auxK,
                          long deadTokens, long seed, BDecInit bDecInit, boolean normalizeDecoder, int chunkRows) {

    public TrainConfig {
        if (activation != Activation.TOPK_RELU && activation != Activation.TOPK_ABS) {
            throw new IllegalArgumentException("activation: expected topk-relu or topk-abs for training but found "
                    + activation.id());
        }
        if (latents < 1) {
            throw new IllegalArgumentException("latents: expected >= 1 but found " + latents);
        }
        if (k < 1 || k > latents) {
            throw new IllegalArgumentException("k: expected 1 <= k <= latents = " + latents + " but found " + k);
        }
        if (!Double.isNaN(lr) && !(lr > 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("lr: expected a positive number but found " + lr);
        }
        if (batchSize < 1 || epochs < 1 || chunkRows < 1) {
            throw new IllegalArgumentException("batch size, epochs and chunk rows: expected >= 1 but found "
                    + batchSize + ", " + epochs + ", " + chunkRows);
        }
        if (!(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1 && adamEps > 0)) {
            throw new IllegalArgumentException("Adam: expected 0 <= beta1, beta2 < 1 and eps > 0 but found "
                    + adamBeta1 + ", " + adamBeta2 + ", " + adamEps);
        }
        if (!(auxKCoef >= 0 && Double.isFinite(auxKCoef)) || auxK < 0 || deadTokens < 0) {
            throw new IllegalArgumentException("AuxK: expected coef >= 0, k_aux >= 0, dead tokens >= 0 but found "
                    + auxKCoef + ", " + auxK + ", " + deadTokens);
        }
    }

    /** The learning rate to use: {@link #lr} or the auto scaling 2e-4 / sqrt(F / 16384). */
    public double effectiveLr() {
        return Double.isNaN(lr) ? 2e-4 / Math.sqrt(latents / 16384.0) : lr;
    }

    /** k_aux for input width {@code d}: {@link #auxK} or d / 2 (at least 1). */
    public int effectiveAuxK(int d) {
        return auxK > 0 ? auxK : Math.max(1, d / 2);
    }

    /** Dead threshold for a data set of {@code rows} rows: {@link #deadTokens} or min(1e7, rows). */
    public long effectiveDeadTokens(long rows) {
        return deadTokens > 0 ? deadTokens : Math.min(10_000_000L, rows);
    }

    /** A builder initialised with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder initialised from this config. */
    public Builder toBuilder() {
        return new Builder().k(k).latents(latents).activation(activation).lr(lr).batchSize(batchSize).epochs(epochs)
                .adamBetas(adamBeta1, adamBeta2).adamEps(adamEps).auxKCoef(auxKCoef).auxK(auxK).deadTokens(deadTokens)
                .seed(seed).bDecInit(bDecInit).normalizeDecoder(normalizeDecoder).chunkRows(chunkRows);
    }

    /** Mutable builder; see the record components for meanings and defaults. */
    public static final class Builder {
        private int k = 32;
        private int latents = 512;
        private Activation activation = Activation.TOPK_RELU;
        private double lr = Double.NaN;
        private int batchSize = 128;
        private int epochs = 10;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamEps = 1e-8;
        private double auxKCoef = 1.0 / 32;
        private int auxK = 0;
        private long deadTokens = 0;
        private long seed = 0;
        private BDecInit bDecInit = BDecInit.GEOMETRIC_MEDIAN;
        private boolean normalizeDecoder = true;
        private int chunkRows = 16384;

        public Builder k(int v) { k = v; return this; }
        public Builder latents(int v) { latents = v; return this; }
        public Builder activation(Activation v) { activation = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder adamBetas(double b1, double b2) { adamBeta1 = b1; adamBeta2 = b2; return this; }
        public Builder adamEps(double v) { adamEps = v; return this; }
        public Builder auxKCoef(double v) { auxKCoef = v; return this; }
        public Builder auxK(int v) { auxK = v; return this; }
        public Builder deadTokens(long v) { deadTokens = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder bDecInit(BDecInit v) { bDecInit = v; return this; }
        public Builder normalizeDecoder(boolean v) { normalizeDecoder = v; return this; }
        public Builder chunkRows(int v) { chunkRows = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(k, latents, activation, lr, batchSize, epochs, adamBeta1, adamBeta2, adamEps,
                    auxKCoef, auxK, deadTokens, seed, bDecInit, normalizeDecoder, chunkRows);
        }
    }
}
