package io.llamasae.validation;

import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.InterventionSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Clean and intervened generations of the same prompts, for side-by-side display: per group of
 * prompts one clean and one intervened {@link Engine#generate} call. The SAEs the spec needs must
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
     * A capture of the edited rows, so the clean run computes the same rows as the edited one: the
     * engine makes every captured or edited row of the LAST block a logits output, and a batch with
     * one output row rounds the output matmul differently from one with several (seen as KL ~1e-15
     * between a clean run and a no-op edit). Capturing the edited positions in both runs keeps a
     * no-op edit bit-identical.
     */
    static CaptureSpec sameGraphPath(InterventionSpec spec) {
        List<Integer> blocks = spec.edits().stream().map(io.llamasae.engine.Edit::block).distinct().toList();
        if (spec.allPositions()) return CaptureSpec.allPositions(blocks);
        return CaptureSpec.of(blocks, spec.positions().isEmpty() ? List.of(-1) : spec.positions());
    }

    public static List<Pair> run(Engine engine, List<int[]> prompts, List<String> ids, InterventionSpec spec, GenerationOptions options,
                                 int maxPromptsPerCall) {
        int[] lengths = prompts.stream().mapToInt(p -> p.length).toArray();
        int perCall = Math.min(maxPromptsPerCall, engine.options().nSeqMax());
        List<Pair> out = new ArrayList<>();
        engine.clearInterventions();
        engine.setCapture(sameGraphPath(spec));
        try {
            for (PromptBatches.Range r : PromptBatches.plan(lengths, ids, perCall, engine.contextSize(), options.maxTokens())) {
                List<int[]> group = prompts.subList(r.from(), r.to());
                Generation clean = engine.generate(group, options);
                engine.setInterventions(spec);
                Generation edited = engine.generate(group, options);
                engine.clearInterventions();
                for (int i = 0; i < group.size(); i++) {
                    float[] a = clean.firstLogits()[i];
                    float[] b = edited.firstLogits()[i];
                    out.add(new Pair(clean.texts().get(i), edited.texts().get(i), clean.tokens().get(i), edited.tokens().get(i),
                            LogitDivergence.kl(a, b), LogitDivergence.argmax(a), LogitDivergence.argmax(b)));
                }
            }
        } finally {
            engine.clearInterventions();
            engine.setCapture(CaptureSpec.none());
        }
        return out;
    }
}
