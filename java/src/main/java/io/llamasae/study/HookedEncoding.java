package io.llamasae.study;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.RunResult;
import io.llamasae.sae.SaeMetrics;
import io.llamasae.sae.SparseCodes;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Runs a dataset through the engine with SAEs attached to chosen blocks: the codes are computed
 * inside llama.cpp's forward pass (the hook), and only O(k) per row reaches Java, where feature
 * statistics and reconstruction metrics are accumulated batch by batch.
 */
public final class HookedEncoding {
    private HookedEncoding() {}

    /** Statistics of one block: feature statistics (sample index = position in the dataset) and SAE metrics. */
    public record LayerStatistics(int block, FeatureStatistics features, SaeMetrics metrics) {}

    /**
     * @param saes     block -> SAE (one position, the same for every block)
     * @param position token position (negative = from the end)
     * @param topN     top samples kept per feature
     */
    public static Map<Integer, LayerStatistics> run(Engine engine, List<Sample> samples, Map<Integer, NativeSae> saes, int position,
                                                    int batch, int topN, IntConsumer progress) {
        return run(engine, samples, 0, saes, position, batch, topN, progress, null);
    }

    /**
     * What each batch produced for one block, for callers that keep codes or rows (Spark shards).
     * Arrays are valid during the call only. Shapes: {@code sampleIndex: [rows]}, {@code indices, values: [rows, k]},
     * {@code x: [rows, d]}.
     */
    public interface BatchConsumer {
        void accept(int block, int rows, int[] sampleIndex, int k, int[] indices, float[] values, float[] x) throws java.io.IOException;
    }

    /**
     * As above, for a slice of a larger dataset: {@code samples.get(i)} is sample {@code firstSample + i}, which is
     * the index the statistics record (so slices merged later keep global sample indices). {@code consumer} may be null.
     * Batches start at the slice's first sample: a slice that starts at a multiple of {@code batch} sees exactly the
     * batches a run over the whole dataset sees.
     */
    public static Map<Integer, LayerStatistics> run(Engine engine, List<Sample> samples, int firstSample, Map<Integer, NativeSae> saes,
                                                    int position, int batch, int topN, IntConsumer progress, BatchConsumer consumer) {
        List<Integer> blocks = new ArrayList<>(saes.keySet());
        engine.setCapture(CaptureSpec.of(blocks, List.of(position)));
        Map<Integer, LayerStatistics> out = new LinkedHashMap<>();
        for (int b : blocks) {
            NativeSae s = saes.get(b);
            engine.attachSae(b, s, 0);
            out.put(b, new LayerStatistics(b, new FeatureStatistics(s.sae().numLatents(), topN),
                    new SaeMetrics(s.sae().d(), s.sae().numLatents())));
        }
        boolean addBos = engine.model().info().addBos();
        int d = engine.model().info().nEmbd();
        for (int start = 0; start < samples.size(); start += batch) {
            int end = Math.min(samples.size(), start + batch);
            List<int[]> tokens = new ArrayList<>();
            for (Sample s : samples.subList(start, end)) {
                int[] t = engine.model().tokenize(s.prompt(), addBos);
                if (t.length > engine.contextSize()) {
                    throw new IllegalArgumentException("sample " + s.id() + ": prompt has " + t.length + " tokens but the context holds "
                            + engine.contextSize());
                }
                tokens.add(t);
            }
            RunResult r = engine.run(tokens);
            int rows = Math.toIntExact(r.nRows());
            int[] sampleIndex = new int[rows];
            IntBuffer prompts = r.rowPrompts();
            for (int i = 0; i < rows; i++) sampleIndex[i] = firstSample + start + prompts.get(i);
            int[] positions = new int[rows];
            r.rowPositions().get(positions);
            for (int slot = 0; slot < blocks.size(); slot++) {
                LayerStatistics ls = out.get(blocks.get(slot));
                RunResult.Codes c = r.codes(slot);
                int[] idx = new int[rows * c.k()];
                float[] val = new float[rows * c.k()];
                c.indices().get(idx);
                c.values().get(val);
                ls.features().accumulate(idx, val, rows, c.k(), sampleIndex, positions);
                float[] x = new float[rows * d];
                r.rows(slot).get(x);
                SparseCodes codes = new SparseCodes(rows, c.k(), idx, val);
                ls.metrics().add(x, saes.get(blocks.get(slot)).decode(codes), codes);
                if (consumer != null) {
                    try {
                        consumer.accept(blocks.get(slot), rows, sampleIndex, c.k(), idx, val, x);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
            if (progress != null) progress.accept(end);
        }
        for (int b : blocks) engine.attachSae(b, null, 0);
        return out;
    }
}
