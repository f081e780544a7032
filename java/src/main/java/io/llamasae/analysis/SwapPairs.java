package io.llamasae.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Swap-pair candidates as the reference proposed them: every pair of features specialized in the same
 * kind (operation with operation, value with value; sound mode adds sequence with sequence) on
 * different patterns. Highly-specialized features are not paired (the reference's generator counted
 * one pair, 332↔194, among its five rare specialized features). Each pair gets a feasibility verdict.
 */
public final class SwapPairs {
    private SwapPairs() {
    }

    public static List<SwapPair> propose(List<FeatureAnalysis> features, FeasibilityConfig feasibility) {
        List<SwapPair> out = new ArrayList<>();
        for (int i = 0; i < features.size(); i++) {
            FeatureAnalysis a = features.get(i);
            if (a.swapKind() == null) {
                continue;
            }
            for (int j = i + 1; j < features.size(); j++) {
                FeatureAnalysis b = features.get(j);
                if (a.swapKind().equals(b.swapKind()) && !a.description().equals(b.description())) {
                    long na = a.summary().activeCount();
                    long nb = b.summary().activeCount();
                    out.add(new SwapPair(a.featureId(), b.featureId(), a.swapKind(), a.description(), b.description(), na, nb,
                            feasibility.judge(na + nb)));
                }
            }
        }
        return out;
    }
}
