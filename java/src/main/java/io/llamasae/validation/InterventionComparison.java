package io.llamasae.validation;

import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.InterventionSpec;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.Variant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Clean and intervened generations of the same prompts, for side-by-side display: a generating
 * {@link Pass} whose variants are the clean run and the intervened run. The SAEs the spec needs must
 * already be attached; interventions are cleared on return.
 */
public final class InterventionComparison {
    private InterventionComparison() {}

    /**
     * One prompt's pair of generations.
     *
     * @param cleanTokens  generated tokens without edits
     * @param editedTokens generated tokens with them
     * @param kl           KL(clean ‖ edited) of the first generated step (nats)
     * @param cleanFirst   argmax token of the clean first step
     * @param editedFirst  argmax token of the edited first step
     */
    public record Pair(String cleanText, String editedText, int[] cleanTokens, int[] editedTokens, double kl, int cleanFirst,
                       int editedFirst) {
        public boolean changed() {
            return !Arrays.equals(cleanTokens, editedTokens);
        }
    }

    /**
     * A capture of the edited rows, shared by the clean and the edited run so both compute the same
     * rows: without the project's llama.cpp patch the engine makes every captured row of the LAST
     * block a logits output, and a batch with one output row rounds the output matmul differently
     * from one with several (seen as KL ~1e-15 between a clean run and a no-op edit).
     */
    static CaptureSpec sameGraphPath(InterventionSpec spec) {
        List<Integer> blocks = spec.edits().stream().map(io.llamasae.engine.Edit::block).distinct().toList();
        if (spec.allPositions()) return CaptureSpec.allPositions(blocks);
        return CaptureSpec.of(blocks, spec.positions().isEmpty() ? List.of(-1) : spec.positions());
    }

    /** One pass: each group of prompts generated clean, then with {@code spec} (the pass's two variants). */
    public static List<Pair> run(Engine engine, List<int[]> prompts, List<String> ids, InterventionSpec spec, GenerationOptions options,
                                 int maxPromptsPerCall) {
        List<Pair> out = new ArrayList<>();
        PassSpec pass = PassSpec.builder(sameGraphPath(spec)).outputs(Set.of()).batchSize(maxPromptsPerCall)
                .variants(List.of(Variant.clean(), Variant.edited("edited", spec))).generation(options).build();
        Generation[] clean = {null};
        Pass.run(engine, pass, new PassInput(ids, prompts, 0), new PassConsumer() {
            @Override
            public void accept(PassBatch batch) {
                if (batch.variant() == 0) {
                    clean[0] = batch.generation();
                    return;
                }
                Generation edited = batch.generation();
                for (int i = 0; i < batch.size(); i++) {
                    float[] a = clean[0].firstLogits()[i];
                    float[] b = edited.firstLogits()[i];
                    out.add(new Pair(clean[0].texts().get(i), edited.texts().get(i), clean[0].tokens().get(i), edited.tokens().get(i),
                            LogitDivergence.kl(a, b), LogitDivergence.argmax(a), LogitDivergence.argmax(b)));
                }
            }
        });
        return out;
    }
}
