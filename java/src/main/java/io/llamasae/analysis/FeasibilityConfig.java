package io.llamasae.analysis;

/**
 * How experiment feasibility is judged.
 *
 * @param alpha            two-sided significance level (0.05)
 * @param power            desired power (0.8)
 * @param baselineAccuracy accuracy assumed for the variance (0.5: the worst case)
 * @param feasibleMde      verdict "feasible" when the smallest detectable change is at most this (0.10)
 * @param weakMde          verdict "weak" when at most this (0.30); "infeasible" above
 */
public record FeasibilityConfig(double alpha, double power, double baselineAccuracy, double feasibleMde, double weakMde) {
    public static FeasibilityConfig defaults() {
        return new FeasibilityConfig(0.05, 0.8, 0.5, 0.10, 0.30);
    }

    /** Verdict and detectable change for an experiment that can be run on {@code n} problems. */
    public Feasibility judge(long n) {
        double mde = PowerAnalysis.minDetectableDifference(n, alpha, power, baselineAccuracy);
        String verdict = mde <= feasibleMde ? Feasibility.FEASIBLE : mde <= weakMde ? Feasibility.WEAK : Feasibility.INFEASIBLE;
        return new Feasibility(n, mde, verdict);
    }
}
