package io.llamasae.analysis;

/**
 * A proposed swap experiment between two specialized features of the same kind.
 *
 * @param featureA      first feature id
 * @param featureB      second feature id
 * @param kind          "operation", "value" or "sequence"
 * @param descriptionA  what A is specialized on
 * @param descriptionB  what B is specialized on
 * @param activeA       samples where A is active
 * @param activeB       samples where B is active
 * @param feasibility   verdict on activeA + activeB problems (an upper bound: overlaps are counted twice)
 */
public record SwapPair(int featureA, int featureB, String kind, String descriptionA, String descriptionB, long activeA,
                       long activeB, Feasibility feasibility) {
}
