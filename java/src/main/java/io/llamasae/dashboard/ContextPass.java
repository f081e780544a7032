package io.llamasae.dashboard;

import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RunResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The dashboards' second, targeted pass: the few samples that are some feature's top sample go
 * through the model again with every token position captured and the SAEs encoding inside the hook,
 * so a top context can show the feature's activation on every token the model read, not only at
 * the analysed position.
 *
 * <p>This is the only class of the dashboard that drives the engine, through a {@link Pass}.
 */
public final class ContextPass {
    private ContextPass() {}

    /**
     * One sample's tokens and its sparse codes at every position, for one block.
     *
     * @param tokens  token ids the model read: [n]
     * @param k       code slots per token
     * @param indices latent indices: [n, k] (−1 = padding)
     * @param values  code values: [n, k]
     */
    public record TokenCodes(int[] tokens, int k, int[] indices, float[] values) {
        /** The code of {@code latent} at token {@code position} (0 when it is not among the token's top-k). */
        public float activation(int position, int latent) {
            int base = position * k;
            for (int j = 0; j < k; j++) {
                if (indices[base + j] == latent) return values[base + j];
            }
            return 0f;
        }
    }

    /** Codes per block, then per sample index (into the dataset list). */
    public record Result(Map<Integer, Map<Integer, TokenCodes>> byBlock) {
        public Map<Integer, TokenCodes> block(int block) {
            Map<Integer, TokenCodes> m = byBlock.get(block);
            if (m == null) throw new IllegalArgumentException("the context pass did not encode block " + block + " (encoded: " + byBlock.keySet() + ")");
            return m;
        }
    }

    /**
     * Runs {@code sampleIndices} of {@code samples} with capture at all positions of the blocks of
     * {@code saes}, each SAE attached to its block: one {@link Pass} with codes only; the engine's
     * capture and SAE attachments are restored afterwards.
     *
     * @param batch prompts per engine run
     */
    public static Result run(Engine engine, Map<Integer, NativeSae> saes, List<Sample> samples, SortedSet<Integer> sampleIndices, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch: expected >= 1 but found " + batch);
        List<Integer> blocks = new ArrayList<>(saes.keySet());
        Map<Integer, Map<Integer, TokenCodes>> out = new HashMap<>();
        for (int b : blocks) out.put(b, new HashMap<>());
        if (sampleIndices.isEmpty() || blocks.isEmpty()) return new Result(out);
        List<Integer> wanted = new ArrayList<>(sampleIndices);
        List<String> ids = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (int i : wanted) {
            if (i < 0 || i >= samples.size()) {
                throw new IllegalArgumentException("context pass: sample index " + i + " outside the dataset of " + samples.size());
            }
            ids.add(samples.get(i).id());
            prompts.add(samples.get(i).prompt());
        }
        PassInput input = PassInput.tokenize(engine, ids, prompts, 0);
        PassSpec spec = PassSpec.builder(CaptureSpec.allPositions(blocks)).saes(saes).outputs(PassOutput.CODES).batchSize(batch).build();
        Pass.run(engine, spec, input, new PassConsumer() {
            @Override
            public void accept(PassBatch b) {
                RunResult r = b.result();
                int rows = Math.toIntExact(r.nRows());
                int[] rowPrompt = new int[rows];
                int[] rowPos = new int[rows];
                r.rowPrompts().get(0, rowPrompt);
                r.rowPositions().get(0, rowPos);
                for (int slot = 0; slot < blocks.size(); slot++) {
                    RunResult.Codes c = r.codes(slot);
                    int k = c.k();
                    Map<Integer, TokenCodes> dst = out.get(blocks.get(slot));
                    TokenCodes[] perPrompt = new TokenCodes[b.size()];
                    for (int p = 0; p < b.size(); p++) {
                        int[] tokens = input.tokens().get(b.from() + p);
                        perPrompt[p] = new TokenCodes(tokens, k, filled(tokens.length * k), new float[tokens.length * k]);
                    }
                    // the all-positions block: every token, prompt by prompt; placed by each row's labels
                    for (int row = 0; row < rows; row++) {
                        TokenCodes tc = perPrompt[rowPrompt[row]];
                        c.indices().get(row * k, tc.indices(), rowPos[row] * k, k);
                        c.values().get(row * k, tc.values(), rowPos[row] * k, k);
                    }
                    for (int p = 0; p < b.size(); p++) dst.put(wanted.get(b.from() + p), perPrompt[p]);
                }
            }
        });
        return new Result(out);
    }

    /** The union of every feature's first {@code perFeature} top samples (what the pass must run). */
    public static SortedSet<Integer> samplesToRun(Iterable<List<Integer>> topSamplesPerFeature, int perFeature) {
        SortedSet<Integer> out = new TreeSet<>();
        for (List<Integer> l : topSamplesPerFeature) {
            out.addAll(l.subList(0, Math.min(perFeature, l.size())));
        }
        return out;
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, -1);
        return a;
    }
}
