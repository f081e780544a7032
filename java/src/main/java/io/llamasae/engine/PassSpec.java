package io.llamasae.engine;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link Pass} computes for every batch of a dataset.
 *
 * @param capture    layers (llama.cpp blocks) and positions captured in one forward pass: several
 *                   layers and positions at once, generated steps too (the pass then generates)
 * @param saes       the SAE of each layer that has one (block → SAE); codes, statistics and metrics
 *                   come from these layers; edited layers need one too
 * @param outputs    what captured layers produce; without {@link PassOutput#ROWS} the host keeps
 *                   O(k) per row and layer
 * @param topN       top samples per feature the statistics keep
 * @param batchSize  prompts per engine call; batches start at multiples of it from the input's
 *                   first prompt, so any split of a dataset at batch boundaries (resumed runs,
 *                   Spark partitions) computes the very same batches
 * @param variants   how each batch runs: clean and/or with interventions; statistics and metrics
 *                   come from the first variant
 * @param generation greedy/sampled generation per batch instead of a prefill (null: prefill only;
 *                   set automatically to greedy(max step + 1) when generated steps are captured)
 */
public record PassSpec(CaptureSpec capture, Map<Integer, NativeSae> saes, Set<PassOutput> outputs, int topN, int batchSize,
                       List<Variant> variants, GenerationOptions generation) {
    public PassSpec {
        saes = Map.copyOf(saes);
        outputs = outputs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(outputs));
        variants = List.copyOf(variants);
        if (capture.layers().isEmpty() && variants.stream().allMatch(Variant::isClean)) {
            throw new IllegalArgumentException("pass: nothing to do (no layers captured and no interventions)");
        }
        if (batchSize < 1) throw new IllegalArgumentException("pass: batch size must be >= 1, found " + batchSize);
        if (topN < 1) throw new IllegalArgumentException("pass: topN must be >= 1, found " + topN);
        if (variants.isEmpty()) throw new IllegalArgumentException("pass: no variants (use Variant.clean())");
        if (generation == null && capture.maxGeneratedStep() > 0) generation = GenerationOptions.greedy(capture.maxGeneratedStep() + 1);
        for (int b : saes.keySet()) {
            if (saes.get(b) == null) throw new IllegalArgumentException("pass: null SAE for block " + b);
        }
    }

    /** Whether batches generate (and so are planned to fit prompts plus new tokens in the context). */
    public boolean generates() {
        return generation != null;
    }

    public static Builder builder(CaptureSpec capture) {
        return new Builder(capture);
    }

    public static final class Builder {
        private final CaptureSpec capture;
        private final Map<Integer, NativeSae> saes = new LinkedHashMap<>();
        private Set<PassOutput> outputs = PassOutput.DEFAULT;
        private int topN = io.llamasae.analysis.FeatureStatistics.DEFAULT_TOP_N;
        private int batchSize = 16;
        private List<Variant> variants = List.of(Variant.clean());
        private GenerationOptions generation;

        private Builder(CaptureSpec capture) {
            this.capture = capture;
        }

        public Builder sae(int block, NativeSae sae) { saes.put(block, sae); return this; }
        public Builder saes(Map<Integer, NativeSae> all) { saes.putAll(all); return this; }
        public Builder outputs(PassOutput first, PassOutput... rest) { outputs = EnumSet.of(first, rest); return this; }
        public Builder outputs(Set<PassOutput> o) { outputs = o; return this; }
        public Builder topN(int n) { topN = n; return this; }
        public Builder batchSize(int n) { batchSize = n; return this; }
        public Builder variants(List<Variant> v) { variants = v; return this; }
        public Builder generation(GenerationOptions g) { generation = g; return this; }

        public PassSpec build() {
            return new PassSpec(capture, saes, outputs, topN, batchSize, variants, generation);
        }
    }
}
