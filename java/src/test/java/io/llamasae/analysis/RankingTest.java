package io.llamasae.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankingTest {
    @Test
    void ranksByFrequencyThenFeatureId() {
        FeatureStatistics s = new FeatureStatistics(5, 3);
        // f3 in 3 rows, f1 and f4 in 2 rows, f0 in 1 row, f2 never
        s.accumulate(new int[]{3, 4, 3, 1, 3, 0, 4, 1}, new float[]{1, 1, 1, 1, 1, 1, 1, 1}, 4, 2, new int[]{0, 1, 2, 3}, null);
        List<RankedFeature> r = Ranking.byFrequency(s);
        assertEquals(List.of(3, 1, 4, 0, 2), r.stream().map(RankedFeature::featureId).toList());
        assertEquals(List.of(1, 2, 3, 4, 5), r.stream().map(RankedFeature::rank).toList());
        assertEquals(List.of(1, 4), Ranking.inBand(r, new RankBand(2, 3), true).stream().map(RankedFeature::featureId).toList());
        assertEquals(List.of(0), Ranking.inBand(r, new RankBand(4, 512), true).stream().map(RankedFeature::featureId).toList());
        assertEquals(List.of(0, 2), Ranking.inBand(r, new RankBand(4, 512), false).stream().map(RankedFeature::featureId).toList());
    }

    @Test
    void parsesBands() {
        assertEquals(List.of(new RankBand(50, 200), new RankBand(400, 512)), RankBand.parseList("50-200, 400-512"));
        assertEquals(List.of(new RankBand(7, 7)), RankBand.parseList("7"));
        assertThrows(IllegalArgumentException.class, () -> RankBand.parseList("200-50"));
        assertThrows(IllegalArgumentException.class, () -> RankBand.parseList("a-b"));
        assertThrows(IllegalArgumentException.class, () -> RankBand.parseList("0-5"));
    }
}
