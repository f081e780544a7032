package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompts of a {@link Pass}, tokenized and checked before anything runs (an empty prompt or one
 * longer than the context fails here, naming the sample, before any file is written).
 *
 * @param ids         sample ids (messages, file metadata), same order as tokens
 * @param tokens      tokenized prompts
 * @param firstSample dataset index of the first prompt: statistics record sample = firstSample + i,
 *                    so partitions of one dataset merge into the single-process result
 */
public record PassInput(List<String> ids, List<int[]> tokens, int firstSample) {
    public PassInput {
        ids = List.copyOf(ids);
        tokens = List.copyOf(tokens);
        if (ids.size() != tokens.size()) throw new IllegalArgumentException("pass input: " + ids.size() + " ids for " + tokens.size() + " prompts");
        if (firstSample < 0) throw new IllegalArgumentException("pass input: first sample must be >= 0, found " + firstSample);
    }

    /** Tokenizes prompts (BOS when the model adds one) and checks them against the engine's context. */
    public static PassInput tokenize(Engine engine, List<String> ids, List<String> prompts, int firstSample) {
        if (ids.size() != prompts.size()) throw new IllegalArgumentException("ids and prompts differ in length");
        Model model = engine.model();
        boolean addBos = model.info().addBos();
        List<int[]> tokens = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String p = prompts.get(i);
            if (p.isEmpty()) throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt: expected text but found an empty prompt");
            int[] t = model.tokenize(p, addBos);
            if (t.length > engine.contextSize()) {
                throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt: expected at most the " + engine.contextSize()
                        + " tokens of the context (raise --ctx) but found " + t.length + " tokens");
            }
            tokens.add(t);
        }
        return new PassInput(ids, tokens, firstSample);
    }

    public int size() {
        return tokens.size();
    }

    /** The prompts from index {@code from} on (a resumed pass), keeping their sample indices. */
    public PassInput from(int from) {
        return new PassInput(ids.subList(from, ids.size()), tokens.subList(from, tokens.size()), firstSample + from);
    }
}
