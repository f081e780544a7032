package io.llamasae.analysis;

/**
 * Feasibility of an intervention experiment.
 *
 * @param testableSamples    problems the intervention can act on (active samples)
 * @param minDetectableDelta smallest accuracy change detectable (see {@link PowerAnalysis}); may exceed 1
 * @param verdict            {@link #FEASIBLE}, {@link #WEAK} or {@link #INFEASIBLE}
 */
public record Feasibility(long testableSamples, double minDetectableDelta, String verdict) {
    public static final String FEASIBLE = "feasible";
    public static final String WEAK = "weak";
    public static final String INFEASIBLE = "infeasible";
}
