package io.llamasae.validation;

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

    public static List<Pair> run(Engine engine, List<int[]> prompts, List<String> ids, InterventionSpec spec, GenerationOptions options,
                                 int maxPromptsPerCall) {
        int[] lengths = prompts.stream().mapToInt(p -> p.length).toArray();
        int perCall = Math.min(maxPromptsPerCall, engine.options().nSeqMax());
        List<Pair> out = new ArrayList<>();
        engine.clearInterventions();
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
        }
        return out;
    }
}
