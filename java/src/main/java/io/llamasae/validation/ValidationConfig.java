package io.llamasae.validation;

import io.llamasae.analysis.FeasibilityConfig;
import io.llamasae.data.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of a causal validation run. Build with {@link #builder()}; every field has a default.
 *
 * @param block                     llama.cpp block the SAE is attached to and edits act at
 * @param layer                     the layer as the user numbers it (for file names and metadata)
 * @param layerConvention           "llama.cpp" or "hf" (metadata)
 * @param position                  analysed token position (negative = from the end), default 3
 * @param topFeatures               most frequent features ablated one by one (ground truth), default 10
 * @param maxTokens                 new tokens per generation, default 128
 * @param maxPromptsPerCall         prompts generated together (also capped by the engine's nSeqMax), default 16
 * @param scope                     where edits act, default {@link InterventionScope#ALL}
 * @param replaceWithReconstruction h' = decode(z') (the reference's behaviour) instead of h + W_decᵀ(z' − z); default false
 * @param amplify                   features to amplify, default none
 * @param factors                   amplification factors, default 2, 5, 10
 * @param swaps                     pairs to swap, default none
 * @param operationFeatures         feature → operation for the operation-level experiment, default none
 * @param specialized               labelled features to ablate and list (operation-specialized ones with one
 *                                  operation are also tested at the operation level), default none
 * @param extractor                 answer extraction, default {@link AnswerExtractor#gsm8k()}
 * @param thresholds                impact classification, default {@link ImpactThresholds#defaults()}
 * @param feasibility               feasibility verdicts, default {@link FeasibilityConfig#defaults()}
 * @param bootstrapResamples        bootstrap draws, default 2000
 * @param seed                      bootstrap seed, default 42
 * @param level                     interval level, default 0.95
 * @param sanityPrompts             prompts used for the sanity checks, default 8
 */
public record ValidationConfig(int block, int layer, String layerConvention, int position, int topFeatures, int maxTokens,
                               int maxPromptsPerCall, InterventionScope scope, boolean replaceWithReconstruction,
                               List<Integer> amplify, List<Double> factors, List<FeaturePair> swaps,
                               Map<Integer, Operation> operationFeatures, List<SpecializedTarget> specialized, AnswerExtractor extractor, ImpactThresholds thresholds,
                               FeasibilityConfig feasibility, int bootstrapResamples, long seed, double level, int sanityPrompts) {
    public ValidationConfig {
        amplify = List.copyOf(amplify);
        factors = List.copyOf(factors);
        swaps = List.copyOf(swaps);
        specialized = List.copyOf(specialized);
        operationFeatures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(operationFeatures));
        require(block >= 0, "block >= 0", block);
        require(topFeatures >= 0, "topFeatures >= 0", topFeatures);
        require(maxTokens >= 1, "maxTokens >= 1", maxTokens);
        require(maxPromptsPerCall >= 1, "maxPromptsPerCall >= 1", maxPromptsPerCall);
        require(bootstrapResamples >= 2, "bootstrapResamples >= 2", bootstrapResamples);
        require(level > 0 && level < 1, "level in (0, 1)", level);
        require(sanityPrompts >= 1, "sanityPrompts >= 1", sanityPrompts);
        for (double f : factors) require(Double.isFinite(f), "finite amplification factors", f);
        for (int f : amplify) require(f >= 0, "amplified latents >= 0", f);
        for (int f : operationFeatures.keySet()) require(f >= 0, "operation latents >= 0", f);
    }

    private static void require(boolean ok, String expected, Object found) {
        if (!ok) throw new IllegalArgumentException("validation config: expected " + expected + " but found " + found);
    }

    /** Every latent the config names (for a range check against the SAE's F before anything runs). */
    public List<Integer> namedLatents() {
        List<Integer> out = new ArrayList<>(amplify);
        for (FeaturePair p : swaps) {
            out.add(p.a());
            out.add(p.b());
        }
        out.addAll(operationFeatures.keySet());
        for (SpecializedTarget t : specialized) out.add(t.feature());
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults documented on the record. */
    public static final class Builder {
        private int block;
        private int layer;
        private String layerConvention = "llama.cpp";
        private int position = 3;
        private int topFeatures = 10;
        private int maxTokens = 128;
        private int maxPromptsPerCall = 16;
        private InterventionScope scope = InterventionScope.ALL;
        private boolean replaceWithReconstruction;
        private List<Integer> amplify = List.of();
        private List<Double> factors = List.of(2.0, 5.0, 10.0);
        private List<FeaturePair> swaps = List.of();
        private Map<Integer, Operation> operationFeatures = Map.of();
        private List<SpecializedTarget> specialized = List.of();
        private AnswerExtractor extractor = AnswerExtractor.gsm8k();
        private ImpactThresholds thresholds = ImpactThresholds.defaults();
        private FeasibilityConfig feasibility = FeasibilityConfig.defaults();
        private int bootstrapResamples = 2000;
        private long seed = 42;
        private double level = 0.95;
        private int sanityPrompts = 8;

        /** Block and the user's layer number at once (layer = block for the llama.cpp convention). */
        public Builder block(int block, int layer, String convention) { this.block = block; this.layer = layer; this.layerConvention = convention; return this; }
        public Builder block(int block) { return block(block, block, "llama.cpp"); }
        public Builder position(int v) { position = v; return this; }
        public Builder topFeatures(int v) { topFeatures = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder maxPromptsPerCall(int v) { maxPromptsPerCall = v; return this; }
        public Builder scope(InterventionScope v) { scope = v; return this; }
        public Builder replaceWithReconstruction(boolean v) { replaceWithReconstruction = v; return this; }
        public Builder amplify(List<Integer> v) { amplify = v; return this; }
        public Builder factors(List<Double> v) { factors = v; return this; }
        public Builder swaps(List<FeaturePair> v) { swaps = v; return this; }
        public Builder operationFeatures(Map<Integer, Operation> v) { operationFeatures = v; return this; }
        public Builder specialized(List<SpecializedTarget> v) { specialized = v; return this; }
        public Builder extractor(AnswerExtractor v) { extractor = v; return this; }
        public Builder thresholds(ImpactThresholds v) { thresholds = v; return this; }
        public Builder feasibility(FeasibilityConfig v) { feasibility = v; return this; }
        public Builder bootstrapResamples(int v) { bootstrapResamples = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder level(double v) { level = v; return this; }
        public Builder sanityPrompts(int v) { sanityPrompts = v; return this; }

        public ValidationConfig build() {
            return new ValidationConfig(block, layer, layerConvention, position, topFeatures, maxTokens, maxPromptsPerCall, scope,
                    replaceWithReconstruction, amplify, factors, swaps, operationFeatures, specialized, extractor, thresholds, feasibility,
                    bootstrapResamples, seed, level, sanityPrompts);
        }
    }
}
