package io.llamasae.sae.train;

/**
 * Training-set metrics of one epoch, accumulated on each batch before its update (as training
 * loggers do; the final metrics of {@link TrainResult} come from a separate pass with the final
 * weights).
 *
 * @param epoch             1-based epoch
 * @param mse               mean squared error per element
 * @param explainedVariance pooled EV (see {@link io.llamasae.sae.SaeMetrics})
 * @param meanCosine        mean cos(x, x_hat)
 * @param l0                mean active latents per row
 * @param deadFraction      fraction of latents that never fired during this epoch
 * @param auxKActiveFraction fraction of steps in which the AuxK loss was applied (dead latents existed)
 * @param seconds           wall time of the epoch for the whole grid
 */
public record EpochMetrics(int epoch, double mse, double explainedVariance, double meanCosine, double l0,
                           double deadFraction, double auxKActiveFraction, double seconds) {
}
