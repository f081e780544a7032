package io.llamasae.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-computed cases for every statistic. */
class StatisticsTest {
    @Test
    void hypergeometricUpperTail() {
        // N=10, K=4, n=3: P(X>=2) = [C(4,2)C(6,1) + C(4,3)C(6,0)] / C(10,3) = (36 + 4) / 120
        assertEquals(40.0 / 120, Enrichment.upperTailP(10, 4, 3, 2), 1e-12);
        // all 5 draws from the 5 successes of 20: 1 / C(20,5)
        assertEquals(1.0 / 15504, Enrichment.upperTailP(20, 5, 5, 5), 1e-15);
        // P(X>=1) = 1 - C(6,3)/C(10,3) = 1 - 20/120
        assertEquals(100.0 / 120, Enrichment.upperTailP(10, 4, 3, 1), 1e-12);
        assertEquals(1.0, Enrichment.upperTailP(10, 4, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> Enrichment.upperTailP(10, 4, 3, 4));
    }

    @Test
    void benjaminiHochberg() {
        // sorted 0.005, 0.01, 0.03, 0.04 → p·m/i = 0.02, 0.02, 0.04, 0.04 (already monotone)
        assertArrayEquals(new double[]{0.02, 0.04, 0.04, 0.02}, BenjaminiHochberg.adjust(new double[]{0.01, 0.04, 0.03, 0.005}), 1e-15);
        // step-up minimum: sorted 0.01, 0.02, 0.5 → 0.03, 0.03, 0.5
        assertArrayEquals(new double[]{0.5, 0.03, 0.03}, BenjaminiHochberg.adjust(new double[]{0.5, 0.01, 0.02}), 1e-15);
        // capped at 1
        assertArrayEquals(new double[]{1.0, 1.0}, BenjaminiHochberg.adjust(new double[]{0.9, 1.0}), 0);
        assertThrows(IllegalArgumentException.class, () -> BenjaminiHochberg.adjust(new double[]{Double.NaN}));
    }

    @Test
    void mcNemarExact() {
        assertEquals(2.0 / 32, CausalStatistics.mcNemarExact(0, 5), 1e-15);
        assertEquals(2.0 * 11 / 1024, CausalStatistics.mcNemarExact(1, 9), 1e-15);
        assertEquals(2.0 * 11 / 1024, CausalStatistics.mcNemarExact(9, 1), 1e-15);
        assertEquals(1.0, CausalStatistics.mcNemarExact(2, 3));
        assertEquals(1.0, CausalStatistics.mcNemarExact(0, 0));
        // far in the tail: 150 discordant pairs all one way, p = 2 · 2^-150 (a CDF routine underflows to 0 here)
        assertEquals(Math.pow(2, -149), CausalStatistics.mcNemarExact(150, 0), 1e-12 * Math.pow(2, -149));
        // 1 of 60 the other way: 2 · (1 + 60) · 2^-60
        assertEquals(122 * Math.pow(2, -60), CausalStatistics.mcNemarExact(1, 59), 1e-12 * 122 * Math.pow(2, -60));
        // pairs: (T,F)×4 → b=4, (F,T)×1 → c=1, one concordant: p = 2·P(X<=1; 5) = 2·6/32
        boolean[] before = {true, true, true, true, false, true};
        boolean[] after = {false, false, false, false, true, true};
        assertEquals(12.0 / 32, CausalStatistics.mcNemarExact(before, after), 1e-15);
    }

    @Test
    void powerAnalysisFormula() {
        double z = 1.959963984540054 + 0.8416212335729143; // z_{0.975} + z_{0.8}
        assertEquals(z * Math.sqrt(0.5 / 7), PowerAnalysis.minDetectableDifference(7, 0.05, 0.8, 0.5), 1e-9);
        assertEquals(0.7488, PowerAnalysis.minDetectableDifference(7, 0.05, 0.8, 0.5), 1e-4);
        assertEquals(z * Math.sqrt(2 * 0.7 * 0.3 / 100), PowerAnalysis.minDetectableDifference(100, 0.05, 0.8, 0.7), 1e-9);
        FeasibilityConfig f = FeasibilityConfig.defaults();
        assertEquals(Feasibility.INFEASIBLE, f.judge(7).verdict());   // the reference's 332↔194 pair
        assertEquals(Feasibility.WEAK, f.judge(100).verdict());       // 0.198
        assertEquals(Feasibility.FEASIBLE, f.judge(1495).verdict());  // 0.051
        assertEquals(Feasibility.INFEASIBLE, f.judge(0).verdict());
    }

    @Test
    void bootstrapIsSeededAndSensible() {
        double[] x = new double[400];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        double mean = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < 0.3 ? 1 : 0;
            mean += x[i];
        }
        mean /= x.length;
        Interval a = CausalStatistics.bootstrapMean(x, 2000, 11, 0.95);
        Interval b = CausalStatistics.bootstrapMean(x, 2000, 11, 0.95);
        assertEquals(a, b);
        assertEquals(mean, a.estimate(), 1e-12);
        assertTrue(a.lower() < mean && mean < a.upper());
        double se = Math.sqrt(mean * (1 - mean) / x.length);
        assertEquals(2 * 1.96 * se, a.upper() - a.lower(), 0.2 * 2 * 1.96 * se);
        Interval constant = CausalStatistics.bootstrapPairedDifference(new double[]{1, 1, 1}, new double[]{0, 0, 0}, 100, 1, 0.95);
        assertEquals(new Interval(1, 1, 1, 0.95), constant);
        assertEquals(2.5, CausalStatistics.quantile(new double[]{1, 2, 3, 4}, 0.5), 1e-15);
        // independent groups: accuracy 0.8 vs 0.5 on 200 problems each; CI around 0.3 with width ≈ 2·1.96·sqrt(.8·.2/200 + .5·.5/200)
        double[] g1 = new double[200];
        double[] g2 = new double[200];
        for (int i = 0; i < 200; i++) {
            g1[i] = i % 5 == 0 ? 0 : 1;
            g2[i] = i % 2;
        }
        Interval d = CausalStatistics.bootstrapDifference(g1, g2, 3000, 3, 0.95);
        assertEquals(0.3, d.estimate(), 1e-12);
        double width = 2 * 1.96 * Math.sqrt(0.8 * 0.2 / 200 + 0.25 / 200);
        assertEquals(width, d.upper() - d.lower(), 0.15 * width);
        assertTrue(d.lower() < 0.3 && 0.3 < d.upper());
    }
}
