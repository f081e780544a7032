package io.llamasae.sae.train;

import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.Sae;
import java.util.List;

/**
 * One trained model of a grid.
 *
 * @param config       the configuration it was trained with (lr, k_aux, dead threshold resolved)
 * @param sae          the trained SAE in canonical layout (pre-encoder bias folded into b_enc)
 * @param epochs       per-epoch training metrics
 * @param finalMetrics metrics of the final weights over the whole data set (one extra pass)
 * @param seconds      wall time of the whole run (shared by all models of a grid)
 */
public record TrainResult(TrainConfig config, Sae sae, List<EpochMetrics> epochs, MetricsSummary finalMetrics,
                          double seconds) {
}
