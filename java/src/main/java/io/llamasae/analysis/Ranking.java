package io.llamasae.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Ranks features by activation frequency, descending; ties by feature id ascending (the reference
 * broke ties in an unspecified order, e.g. 449 before 168 at equal frequency). Ranks are 1-based
 * and cover every feature, dead ones last.
 */
public final class Ranking {
    private Ranking() {
    }

    public static List<RankedFeature> byFrequency(FeatureStatistics stats) {
        List<FeatureSummary> all = new ArrayList<>(stats.numFeatures());
        for (int f = 0; f < stats.numFeatures(); f++) {
            all.add(stats.summary(f));
        }
        return rank(all);
    }

    /** Ranks given summaries (any order in, rank order out). */
    public static List<RankedFeature> rank(List<FeatureSummary> summaries) {
        List<FeatureSummary> sorted = new ArrayList<>(summaries);
        // compare counts, not the rounded frequencies: exact and identical across shard splits
        sorted.sort(Comparator.comparingLong(FeatureSummary::activeCount).reversed()
                .thenComparingInt(FeatureSummary::featureId));
        List<RankedFeature> out = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            out.add(new RankedFeature(i + 1, sorted.get(i)));
        }
        return out;
    }

    /** Features whose rank falls in {@code band}; with {@code skipDead} features never active are left out (as the reference did). */
    public static List<RankedFeature> inBand(List<RankedFeature> ranked, RankBand band, boolean skipDead) {
        List<RankedFeature> out = new ArrayList<>();
        for (RankedFeature r : ranked) {
            if (band.contains(r.rank()) && (!skipDead || r.summary().activeCount() > 0)) {
                out.add(r);
            }
        }
        return out;
    }
}
