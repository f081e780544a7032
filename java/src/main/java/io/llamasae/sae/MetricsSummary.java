package io.llamasae.sae;

/**
 * Reconstruction and sparsity metrics over a data set (see {@link SaeMetrics} for definitions).
 *
 * @param rows              number of rows (tokens) seen
 * @param mse               mean over rows and dimensions of (x - x_hat)^2
 * @param explainedVariance 1 - sum ||x - x_hat||^2 / sum ||x - mean(x)||^2 (pooled over all rows)
 * @param meanCosine        mean over rows of cos(x, x_hat)
 * @param l0                mean number of active latents per row
 * @param deadFraction      fraction of latents never active
 * @param deadLatents       number of latents never active
 */
public record MetricsSummary(long rows, double mse, double explainedVariance, double meanCosine, double l0,
                             double deadFraction, int deadLatents) {
}
