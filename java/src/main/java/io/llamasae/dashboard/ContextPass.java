package io.llamasae.dashboard;

import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.RunResult;
import java.nio.IntBuffer;
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
 * <p>This is the only class of the dashboard that drives the engine (today through
 * {@link Engine#setCapture}, {@link Engine#attachSae} and {@link Engine#run}); when the engine's
 * "pass" API lands, only this class changes.
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
     * {@code saes}, each SAE attached to its block; leaves the engine with no capture and no SAE attached.
     *
     * @param batch prompts per engine run
     */
    public static Result run(Engine engine, Map<Integer, NativeSae> saes, List<Sample> samples, SortedSet<Integer> sampleIndices, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch: expected >= 1 but found " + batch);
        List<Integer> blocks = new ArrayList<>(saes.keySet());
        Map<Integer, Map<Integer, TokenCodes>> out = new HashMap<>();
        for (int b : blocks) out.put(b, new HashMap<>());
        if (sampleIndices.isEmpty() || blocks.isEmpty()) return new Result(out);
        boolean addBos = engine.model().info().addBos();
        engine.setCapture(CaptureSpec.allPositions(blocks));
        try {
            for (int b : blocks) engine.attachSae(b, saes.get(b), 0);
            List<Integer> wanted = new ArrayList<>(sampleIndices);
            for (int start = 0; start < wanted.size(); start += batch) {
                List<Integer> chunk = wanted.subList(start, Math.min(wanted.size(), start + batch));
                List<int[]> prompts = new ArrayList<>();
                for (int i : chunk) {
                    if (i < 0 || i >= samples.size()) {
                        throw new IllegalArgumentException("context pass: sample index " + i + " outside the dataset of " + samples.size());
                    }
                    int[] t = engine.model().tokenize(samples.get(i).prompt(), addBos);
                    if (t.length > engine.contextSize()) {
                        throw new IllegalArgumentException("sample " + samples.get(i).id() + ": prompt has " + t.length
                                + " tokens but the context holds " + engine.contextSize());
                    }
                    prompts.add(t);
                }
                RunResult r = engine.run(prompts);
                int rows = Math.toIntExact(r.nRows());
                int[] rowPrompt = new int[rows];
                int[] rowPos = new int[rows];
                IntBuffer rp = r.rowPrompts();
                rp.get(0, rowPrompt);
                r.rowPositions().get(0, rowPos);
                for (int slot = 0; slot < blocks.size(); slot++) {
                    RunResult.Codes c = r.codes(slot);
                    int k = c.k();
                    int[] idx = new int[rows * k];
                    float[] val = new float[rows * k];
                    c.indices().get(0, idx);
                    c.values().get(0, val);
                    // rows come prompt by prompt, positions ascending (RunResult's row order); place each by its labels anyway
                    Map<Integer, TokenCodes> dst = out.get(blocks.get(slot));
                    TokenCodes[] perPrompt = new TokenCodes[prompts.size()];
                    for (int p = 0; p < prompts.size(); p++) {
                        int n = prompts.get(p).length;
                        perPrompt[p] = new TokenCodes(prompts.get(p), k, filled(n * k), new float[n * k]);
                    }
                    for (int row = 0; row < rows; row++) {
                        TokenCodes tc = perPrompt[rowPrompt[row]];
                        System.arraycopy(idx, row * k, tc.indices(), rowPos[row] * k, k);
                        System.arraycopy(val, row * k, tc.values(), rowPos[row] * k, k);
                    }
                    for (int p = 0; p < prompts.size(); p++) dst.put(chunk.get(p), perPrompt[p]);
                }
            }
        } finally {
            for (int b : blocks) engine.attachSae(b, null, 0);
            engine.setCapture(CaptureSpec.none());
        }
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
