package io.llamasae.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Analysis of one rank band: its features (rank order) and proposed swap pairs. */
public record BandResult(RankBand band, List<FeatureAnalysis> features, List<SwapPair> swapPairs) {
    public BandResult {
        features = List.copyOf(features);
        swapPairs = List.copyOf(swapPairs);
    }

    public List<FeatureAnalysis> specialized() {
        return features.stream().filter(FeatureAnalysis::specialized).toList();
    }

    /** Count per label type, in first-seen order. */
    public Map<String, Integer> typeCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (FeatureAnalysis f : features) {
            out.merge(f.type(), 1, Integer::sum);
        }
        return out;
    }
}
