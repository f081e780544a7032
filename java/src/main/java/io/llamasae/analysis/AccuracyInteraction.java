package io.llamasae.analysis;

import org.apache.commons.math3.util.CombinatoricsUtils;

/**
 * Does an intervention change accuracy more on one group of samples (the <em>target</em> group, e.g.
 * problems that use the ablated feature's operation) than on the others? This is the interaction of
 * intervention × group, tested exactly.
 *
 * <p>Per sample d = correct(edited) − correct(clean) ∈ {−1, 0, +1} (−1 = broken by the edit, +1 =
 * fixed by it). The statistic is the difference of the groups' mean d,
 * Δ<sub>target</sub> − Δ<sub>other</sub>. The test is the exact permutation (randomization) test of
 * that difference conditional on the observed d values: under the null hypothesis the group labels
 * are exchangeable with d, so the numbers of broken (x) and fixed (y) samples that land in the target
 * group follow a multivariate hypergeometric law,
 * P(x, y) = C(B, x) · C(C, y) · C(Z, n<sub>T</sub> − x − y) / C(N, n<sub>T</sub>) with B broken, C fixed and
 * Z unchanged samples among N. With the group sizes and Σd fixed the difference is a monotone
 * function of S = y − x, so
 * <ul>
 *   <li>{@code pLess} = P(S ≤ S<sub>obs</sub>): the one-sided p-value of "the edit hurts the target
 *       group more than the others" (the hypothesis the operation-level experiment states);</li>
 *   <li>{@code pTwoSided} = P(|difference| ≥ |observed difference|).</li>
 * </ul>
 * Computed by enumerating every (x, y), O(B · C) terms with log-binomials; ties are compared in exact
 * integer arithmetic.
 *
 * @param nTarget      samples in the target group
 * @param brokenTarget target samples correct clean and wrong edited
 * @param fixedTarget  target samples wrong clean and correct edited
 * @param nOther       samples in the other group
 * @param brokenOther  other samples broken by the edit
 * @param fixedOther   other samples fixed by it
 * @param pLess        exact one-sided p-value: the edit lowers accuracy more in the target group
 * @param pTwoSided    exact two-sided p-value of the difference
 */
public record AccuracyInteraction(int nTarget, int brokenTarget, int fixedTarget, int nOther, int brokenOther, int fixedOther,
                                  double pLess, double pTwoSided) {
    /** Mean d in the target group: its accuracy change. */
    public double deltaTarget() {
        return (double) (fixedTarget - brokenTarget) / nTarget;
    }

    /** Mean d in the other group. */
    public double deltaOther() {
        return (double) (fixedOther - brokenOther) / nOther;
    }

    /** deltaTarget − deltaOther: negative when the edit hurts the target group more. */
    public double difference() {
        return deltaTarget() - deltaOther();
    }

    /** Runs the test on the two groups' counts; both groups must be non-empty. */
    public static AccuracyInteraction test(int nTarget, int brokenTarget, int fixedTarget, int nOther, int brokenOther, int fixedOther) {
        checkGroup("target", nTarget, brokenTarget, fixedTarget);
        checkGroup("other", nOther, brokenOther, fixedOther);
        int n = nTarget + nOther;
        int broken = brokenTarget + brokenOther;
        int fixed = fixedTarget + fixedOther;
        int unchanged = n - broken - fixed;
        int observed = fixedTarget - brokenTarget;
        long total = fixed - broken;  // Σ d over all samples
        // the difference of means times nTarget·nOther is S·N − Σd·nTarget: compare its size exactly
        long observedDistance = Math.abs((long) observed * n - total * nTarget);
        double logAll = CombinatoricsUtils.binomialCoefficientLog(n, nTarget);
        double less = 0;
        double twoSided = 0;
        for (int x = Math.max(0, nTarget - fixed - unchanged); x <= Math.min(broken, nTarget); x++) {
            int yFrom = Math.max(0, nTarget - x - unchanged);
            int yTo = Math.min(fixed, nTarget - x);
            for (int y = yFrom; y <= yTo; y++) {
                double p = Math.exp(CombinatoricsUtils.binomialCoefficientLog(broken, x) + CombinatoricsUtils.binomialCoefficientLog(fixed, y)
                        + CombinatoricsUtils.binomialCoefficientLog(unchanged, nTarget - x - y) - logAll);
                int s = y - x;
                if (s <= observed) less += p;
                if (Math.abs((long) s * n - total * nTarget) >= observedDistance) twoSided += p;
            }
        }
        return new AccuracyInteraction(nTarget, brokenTarget, fixedTarget, nOther, brokenOther, fixedOther, Math.min(1.0, less),
                Math.min(1.0, twoSided));
    }

    private static void checkGroup(String name, int size, int broken, int fixed) {
        if (size < 1 || broken < 0 || fixed < 0 || broken + fixed > size) {
            throw new IllegalArgumentException("interaction test: expected a non-empty " + name + " group with broken + fixed <= size but found "
                    + "size " + size + ", broken " + broken + ", fixed " + fixed);
        }
    }
}
