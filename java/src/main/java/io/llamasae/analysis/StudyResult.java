package io.llamasae.analysis;

import java.util.List;

/**
 * Result of {@link StudyAnalysis#run} for one (layer, position).
 *
 * @param config        the configuration used
 * @param sampleCount   samples analysed (rows of the statistics)
 * @param numFeatures   SAE width
 * @param deadFeatures  features never active
 * @param ranking       every feature, rank order
 * @param bands         per-band analyses, in config order
 * @param topLabels     first-stage labels of the top {@code labelTopFeatures} live features
 * @param testsRun      sound mode: enrichment tests adjusted together (0 in seed mode)
 */
public record StudyResult(StudyConfig config, long sampleCount, int numFeatures, int deadFeatures, List<RankedFeature> ranking,
                          List<BandResult> bands, List<FeatureLabel> topLabels, int testsRun) {
    public StudyResult {
        ranking = List.copyOf(ranking);
        bands = List.copyOf(bands);
        topLabels = List.copyOf(topLabels);
    }
}
