package io.llamasae.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact interaction test on hand-computed cases and against brute-force enumeration of every relabelling. */
class AccuracyInteractionTest {
    @Test
    void handComputedBrokenOnlyInTheTarget() {
        // target d = (-1, -1, 0), other d = (0, 0, 0): B = 2 broken, C = 0 fixed, Z = 4 unchanged, N = 6, n_T = 3.
        // S = y - x; observed S = -2. P(x) = C(2,x) C(4,3-x) / C(6,3) = 4/20, 12/20, 4/20 for x = 0, 1, 2.
        AccuracyInteraction t = AccuracyInteraction.test(3, 2, 0, 3, 0, 0);
        assertEquals(-2.0 / 3, t.deltaTarget(), 1e-15);
        assertEquals(0.0, t.deltaOther(), 0);
        assertEquals(-2.0 / 3, t.difference(), 1e-15);
        assertEquals(4.0 / 20, t.pLess(), 1e-14);              // P(S <= -2) = P(x = 2)
        // |difference| >= 2/3: x = 2 (difference -2/3) and x = 0 (target 0, other -2/3: difference +2/3)
        assertEquals(8.0 / 20, t.pTwoSided(), 1e-14);
    }

    @Test
    void handComputedWithFixedSamples() {
        // target d = (-1, +1), other d = (-1, 0): B = 2, C = 1, Z = 1, N = 4, n_T = 2, observed S = 0.
        // (x, y): (0,1) weight C(2,0)C(1,1)C(1,1) = 1, S = 1; (1,0) weight 2, S = -1; (1,1) weight 2, S = 0;
        // (2,0) weight 1, S = -2; total C(4,2) = 6.
        AccuracyInteraction t = AccuracyInteraction.test(2, 1, 1, 2, 1, 0);
        assertEquals(0.0, t.deltaTarget(), 0);
        assertEquals(-0.5, t.deltaOther(), 0);
        assertEquals(5.0 / 6, t.pLess(), 1e-14);               // S <= 0: weights 2 + 2 + 1
        // |4S + 2| >= |0 + 2|: every outcome
        assertEquals(1.0, t.pTwoSided(), 1e-14);
    }

    @Test
    void equalsEnumerationOfEveryRelabelling() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            int n = 6 + rnd.nextInt(7);         // 6..12 samples
            int nTarget = 1 + rnd.nextInt(n - 1);
            int[] d = new int[n];
            for (int i = 0; i < n; i++) d[i] = rnd.nextInt(5) == 0 ? 1 : rnd.nextInt(3) == 0 ? -1 : 0;
            int[] counts = new int[4];  // broken/fixed in target (first nTarget samples), then in other
            for (int i = 0; i < n; i++) {
                int g = i < nTarget ? 0 : 2;
                if (d[i] < 0) counts[g]++;
                if (d[i] > 0) counts[g + 1]++;
            }
            AccuracyInteraction t = AccuracyInteraction.test(nTarget, counts[0], counts[1], n - nTarget, counts[2], counts[3]);
            // brute force: every subset of size nTarget as the target group, equally likely
            double observed = t.difference();
            long less = 0;
            long two = 0;
            long all = 0;
            for (int mask = 0; mask < (1 << n); mask++) {
                if (Integer.bitCount(mask) != nTarget) continue;
                double sumT = 0;
                double sumO = 0;
                for (int i = 0; i < n; i++) {
                    if ((mask >> i & 1) == 1) sumT += d[i];
                    else sumO += d[i];
                }
                double diff = sumT / nTarget - sumO / (n - nTarget);
                all++;
                if (diff <= observed + 1e-12) less++;
                if (Math.abs(diff) >= Math.abs(observed) - 1e-12) two++;
            }
            assertEquals((double) less / all, t.pLess(), 1e-12, "trial " + trial + " one-sided");
            assertEquals((double) two / all, t.pTwoSided(), 1e-12, "trial " + trial + " two-sided");
        }
    }

    @Test
    void aLargeTargetedEffectIsSignificantAndOnlyInItsDirection() {
        // 40 of 100 target problems broken, 10 of 300 others: the edit hurts the target group more
        AccuracyInteraction t = AccuracyInteraction.test(100, 40, 0, 300, 10, 0);
        assertTrue(t.pLess() < 1e-15, "p = " + t.pLess());
        assertTrue(t.pTwoSided() < 1e-15, "p = " + t.pTwoSided());
        // the same counts with the groups swapped: the "target" is hurt less, so the one-sided p is ~1
        AccuracyInteraction reversed = AccuracyInteraction.test(300, 10, 0, 100, 40, 0);
        assertTrue(reversed.pLess() > 0.999, "p = " + reversed.pLess());
        assertEquals(t.pTwoSided(), reversed.pTwoSided(), 1e-20);
        // no effect anywhere: nothing to test against, every relabelling is as extreme
        assertEquals(1.0, AccuracyInteraction.test(50, 0, 0, 50, 0, 0).pLess(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> AccuracyInteraction.test(0, 0, 0, 5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> AccuracyInteraction.test(3, 2, 2, 5, 1, 0));
    }
}
