package io.llamasae.engine;

import io.llamasae.sae.SplicedLoss;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The spliced-in evaluation of SAEs over a dataset ({@link Engine#evalSplice}), batch by batch: the
 * clean model's next-token cross-entropy and, per layer, the cross-entropy and KL divergence with the
 * layer's residual replaced by its SAE's reconstruction and by zeros. Batches start at multiples of
 * the batch size from the input's first prompt, as a {@link Pass}'s do, so any split of a dataset at
 * batch boundaries (resumed runs, Spark partitions) computes the very same batches and its sums merge
 * into the single-process ones bit for bit.
 *
 * <p>Cost: per batch, 1 + 2 · layers forward passes with logits at every token (the clean pass is
 * shared by every layer); see {@link Engine#evalSplice}.
 */
public final class SplicedEvaluation {
    private SplicedEvaluation() {}

    /**
     * Evaluates the SAEs of {@code saes} (block → SAE) over {@code input}, {@code batchSize} prompts per
     * engine call, and merges the sums into {@code into} (whose blocks must be those of {@code saes}).
     *
     * @param progress called with the number of finished prompts after each batch (may be null)
     */
    public static SplicedLoss run(Engine engine, Map<Integer, NativeSae> saes, PassInput input, int batchSize, SplicedLoss into,
                                  IntConsumer progress) {
        if (batchSize < 1) throw new IllegalArgumentException("spliced evaluation: batch size must be >= 1, found " + batchSize);
        List<Integer> blocks = into.blocks();
        if (!saes.keySet().equals(new java.util.HashSet<>(blocks))) {
            throw new IllegalArgumentException("spliced evaluation: expected an SAE for each of the layers " + blocks + " but found "
                    + saes.keySet());
        }
        Map<Integer, NativeSae> previous = new HashMap<>();
        for (int block : blocks) previous.put(block, engine.attachedSae(block));
        try {
            saes.forEach((block, sae) -> {
                if (engine.attachedSae(block) != sae) engine.attachSae(block, sae, 0);
            });
            for (int from = 0; from < input.size(); from += batchSize) {
                int to = Math.min(input.size(), from + batchSize);
                into.merge(engine.evalSplice(input.tokens().subList(from, to), blocks));
                if (progress != null) progress.accept(to);
            }
            return into;
        } finally {
            previous.forEach((block, sae) -> {
                if (engine.attachedSae(block) != sae) engine.attachSae(block, sae, 0);
            });
        }
    }

    /** The first {@code n} prompts of an input (all of them when it has fewer): the evaluation's subset. */
    public static PassInput firstPrompts(PassInput input, int n) {
        if (n >= input.size()) return input;
        return new PassInput(new ArrayList<>(input.ids().subList(0, n)), new ArrayList<>(input.tokens().subList(0, n)), input.firstSample());
    }
}
