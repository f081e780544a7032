package io.llamasae.analysis;

import java.util.List;

/** One entry of {@code feature_labels_layer{L}_pos{P}.json} (the first-stage taxonomy of the top features). */
public record FeatureLabel(int rank, FeatureSummary summary, SeedInterpretation interpretation, List<TopSampleView> topSamples) {
    public FeatureLabel {
        topSamples = List.copyOf(topSamples);
    }
}
