package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.sae.Activation;
import io.llamasae.sae.SaeMetrics;
import io.llamasae.sae.SparseCodes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pass over a dataset: several layers and positions in one forward pass, statistics and metrics
 * computed inside the hook equal to Java's accumulation of the same codes bit for bit, results that
 * do not depend on how the dataset is split, rows handed to writers straight from native memory.
 */
class PassTest {
    @TempDir
    static Path dir;
    static Model model;
    static List<String> ids = new ArrayList<>();
    static List<String> prompts = new ArrayList<>();
    static final int D = 32;
    static final int F = 64;
    static final int K = 6;
    static final List<Integer> LAYERS = List.of(0, 2, 3);  // 3 is the last block
    static final List<Integer> POSITIONS = List.of(2, -1);

    @BeforeAll
    static void setUp() throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("m.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(4).nEmbd(D).nHead(4).nHeadKv(2).nFf(64).seed(21)
                .weightType(GgmlType.F32).build(), gguf);
        model = Model.load(gguf);
        for (int i = 0; i < 13; i++) {
            ids.add("q" + i);
            prompts.add("Question: " + (7 * i + 3) + "*" + (i + 2) + "=? apples" + " and pears".repeat(i % 4));
        }
    }

    @AfterAll
    static void tearDown() {
        if (model != null) model.close();
    }

    static Map<Integer, NativeSae> saes() {
        Map<Integer, NativeSae> out = new LinkedHashMap<>();
        for (int b : LAYERS) {
            Activation a = b == 2 ? Activation.TOPK_ABS : Activation.TOPK_RELU;
            out.put(b, NativeSae.of(NativeSaeTest.randomSae(D, F, K, a, 100 + b)));
        }
        return out;
    }

    static PassSpec spec(Map<Integer, NativeSae> saes, int batch) {
        return PassSpec.builder(CaptureSpec.of(LAYERS, POSITIONS)).saes(saes)
                .outputs(PassOutput.ROWS, PassOutput.CODES, PassOutput.STATISTICS, PassOutput.METRICS).topN(7).batchSize(batch).build();
    }

    static void close(Map<Integer, NativeSae> saes) {
        saes.values().forEach(NativeSae::close);
    }

    @Test
    void statisticsAndMetricsFromTheHookEqualJavasOfTheSameCodes() {
        Map<Integer, NativeSae> saes = saes();
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withSeqMax(4))) {
            PassSpec spec = spec(saes, 5);
            Map<PassResult.Key, FeatureStatistics> javaStats = new HashMap<>();
            Map<PassResult.Key, SaeMetrics> javaMetrics = new HashMap<>();
            PassConsumer recompute = new PassConsumer() {
                @Override
                public void accept(PassBatch b) {
                    RunResult r = b.result();
                    assertEquals(POSITIONS.size(), r.nBlocks());
                    for (int slot = 0; slot < LAYERS.size(); slot++) {
                        int layer = LAYERS.get(slot);
                        for (int blk = 0; blk < r.nBlocks(); blk++) {
                            PassResult.Key key = new PassResult.Key(layer, r.block(blk));
                            int rows = r.blockRows(blk);
                            RunResult.Codes c = r.codes(slot, blk);
                            int[] idx = new int[rows * K];
                            float[] val = new float[rows * K];
                            c.indices().get(0, idx);
                            c.values().get(0, val);
                            int[] sample = new int[rows];
                            int[] pos = new int[rows];
                            for (int i = 0; i < rows; i++) {
                                long row = r.blockOffset(blk) + i;
                                sample[i] = b.sampleBase() + r.rowPrompts().get((int) row);
                                pos[i] = r.rowPositions().get((int) row);
                            }
                            javaStats.computeIfAbsent(key, k -> new FeatureStatistics(F, 7)).accumulate(idx, val, rows, K, sample, pos);
                            float[] x = new float[rows * D];
                            r.rows(slot, blk).get(0, x);
                            SparseCodes codes = new SparseCodes(rows, K, idx, val);
                            javaMetrics.computeIfAbsent(key, k -> new SaeMetrics(D, F)).add(x, saes.get(layer).decode(codes), codes);
                        }
                    }
                }
            };
            PassResult pass = Pass.run(e, spec, PassInput.tokenize(e, ids, prompts, 0), recompute);
            assertEquals(LAYERS.size() * POSITIONS.size(), pass.keys().size(), "one result per (layer, position)");
            for (PassResult.Key key : pass.keys()) {
                assertSameStatistics(javaStats.get(key), pass.statistics(key.block(), key.rows()), key.toString());
                assertEquals(javaMetrics.get(key).summary(), pass.metrics(key.block(), key.rows()).summary(), key.toString());
                assertEquals(prompts.size(), pass.statistics(key.block(), key.rows()).rowCount());
            }
        } finally {
            close(saes);
        }
    }

    @Test
    void resultsDoNotDependOnHowTheDatasetIsSplitAtBatchBoundaries() {
        Map<Integer, NativeSae> saes = saes();
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withSeqMax(4))) {
            PassSpec spec = spec(saes, 4);
            PassInput all = PassInput.tokenize(e, ids, prompts, 0);
            PassResult whole = Pass.run(e, spec, all);
            // two partitions in either order (batches start at multiples of 4, so they are the same batches)
            PassResult late = Pass.run(e, spec, all.from(8));
            PassResult early = Pass.run(e, spec, new PassInput(all.ids().subList(0, 8), all.tokens().subList(0, 8), 0));
            PassResult merged = new PassResult(spec).merge(late).merge(early);
            // and a pass resumed from a checkpoint: the first partition's results, continued
            PassResult resumed = Pass.run(e, spec, all.from(8), Pass.run(e, spec, new PassInput(all.ids().subList(0, 8),
                    all.tokens().subList(0, 8), 0)));
            for (PassResult.Key key : whole.keys()) {
                for (PassResult r : List.of(merged, resumed)) {
                    assertSameStatistics(whole.statistics(key.block(), key.rows()), r.statistics(key.block(), key.rows()), key.toString());
                    assertEquals(whole.metrics(key.block(), key.rows()).summary(), r.metrics(key.block(), key.rows()).summary(), key.toString());
                }
            }
            assertEquals(prompts.size(), merged.prompts());
        } finally {
            close(saes);
        }
    }

    @Test
    void rowsAndCodesReachWritersStraightFromEngineMemory() {
        Map<Integer, NativeSae> saes = saes();
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512))) {
            List<String> seen = new ArrayList<>();
            Pass.run(e, spec(saes, 13), PassInput.tokenize(e, ids, prompts, 0), new PassConsumer() {
                @Override
                public void accept(PassBatch b) {
                    RunResult r = b.result();
                    for (int slot = 0; slot < LAYERS.size(); slot++) {
                        for (int blk = 0; blk < r.nBlocks(); blk++) {
                            ByteBuffer bytes = r.rowBytes(slot, blk);
                            assertTrue(bytes.isDirect(), "a direct buffer: the file channel writes it without a JVM copy");
                            long native0 = LlamaSaeLib.llama_sae_capture_rows(e.handle(), slot).address();
                            Pointer view = new Pointer(bytes);
                            assertEquals(native0 + r.blockOffset(blk) * D * 4L, view.address() + view.position(), "a view of the engine's rows");
                            assertEquals((long) r.blockRows(blk) * D * 4, bytes.remaining());
                            float[] viaView = new float[r.blockRows(blk) * D];
                            bytes.asFloatBuffer().get(viaView);
                            float[] viaRows = new float[viaView.length];
                            r.rows(slot, blk).get(0, viaRows);
                            assertEquals(java.util.Arrays.toString(viaRows), java.util.Arrays.toString(viaView));
                            ByteBuffer[] codes = r.codeBytes(slot, blk);
                            assertTrue(codes[0].isDirect() && codes[1].isDirect());
                            seen.add(LAYERS.get(slot) + "/" + r.block(blk));
                        }
                    }
                }
            });
            assertEquals(List.of("0/pos2", "0/pos-1", "2/pos2", "2/pos-1", "3/pos2", "3/pos-1"), seen);
        } finally {
            close(saes);
        }
    }

    static void assertSameStatistics(FeatureStatistics want, FeatureStatistics got, String what) {
        assertEquals(want.rowCount(), got.rowCount(), what + " rows");
        for (int f = 0; f < want.numFeatures(); f++) {
            assertEquals(want.summary(f), got.summary(f), what + " feature " + f);
            assertEquals(Double.doubleToRawLongBits(want.sumAbs(f)), Double.doubleToRawLongBits(got.sumAbs(f)), what + " feature " + f);
            assertEquals(want.topSamples(f), got.topSamples(f), what + " top samples of feature " + f);
            assertEquals(want.histogram(f), got.histogram(f), what + " histogram of feature " + f);
        }
    }
}
