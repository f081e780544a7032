package io.llamasae.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.cli.Main;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.sae.RandomSaes;
import io.llamasae.sae.SaeLensWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llama-sae sweep} over every layer of a generated multi-layer model against the single-layer commands on the
 * same inputs: per (layer, position) the very files {@code analyze} writes (frequencies, labels, metrics) are
 * byte-identical; the summary, the heatmaps and the dashboard exist and hold what the per-layer files say.
 */
class SweepCommandTest {
    static final int BLOCKS = 3;
    static final int D = 64;
    static final int LATENTS = 96;
    static final int K = 8;
    static final int SAMPLES = 40;
    static final String BATCH = "8";
    static final String RANKS = "1-30,31-96";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path dataset;
    static Path saes;
    static Path sweep;

    @BeforeAll
    static void sweepOnce() throws Exception {
        SharedData.requireNatives();
        model = dir.resolve("model.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(BLOCKS).nEmbd(D).nHead(4).nHeadKv(2).nFf(128).nCtx(512).seed(7).build(),
                model);
        List<Sample> samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(3).build())
                .generate(SAMPLES);
        dataset = dir.resolve("data.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(samples, dataset);
        saes = dir.resolve("saes");
        for (int b = 0; b < BLOCKS; b++) SaeLensWriter.write(RandomSaes.gaussian(100 + b, D, LATENTS, K), saes.resolve("layer" + b));
        sweep = dir.resolve("sweep");
        assertEquals(0, Main.run("sweep", "--model", model.toString(), "--saes", saes.toString(), "--dataset", dataset.toString(),
                "--positions", "3,-1", "--batch", BATCH, "--ranks", RANKS, "--ce-samples", "16", "--codes", "--delphi-cache",
                dir.resolve("delphi").toString(), "--delphi-splits", "2", "--out", sweep.toString()));
    }

    /** Runs analyze on one (layer, position) with the sweep's settings; returns its folder. */
    private static Path analyze(int layer, int position) {
        Path single = dir.resolve("analyze-" + layer + "_" + position);
        if (Files.isDirectory(single)) return single;
        assertEquals(0, Main.run("analyze", "--model", model.toString(), "--sae", saes.resolve("layer" + layer).toString(), "--dataset",
                dataset.toString(), "--layer", Integer.toString(layer), "--position", Integer.toString(position), "--batch", BATCH,
                "--ranks", RANKS, "--no-dashboard", "--no-plots", "--out", single.toString()));
        return single;
    }

    /**
     * Compares analyze's JSON files with the sweep's: byte for byte, or (exact = false) the same structure, texts,
     * counts and frequencies with magnitudes within 1e-5 relative.
     */
    private static void assertSameFiles(Path single, Path layerDir, boolean exact) throws Exception {
        List<String> compared = new ArrayList<>();
        try (Stream<Path> files = Files.list(single)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                String name = f.getFileName().toString();
                Path mine = layerDir.resolve(name);
                assertTrue(Files.isRegularFile(mine), "the sweep wrote no " + mine);
                JsonNode a = JSON.readTree(f.toFile());
                JsonNode b = JSON.readTree(mine.toFile());
                if (name.startsWith("sae_metrics_")) {
                    a = a.get("metrics");   // analyze has no spliced-in evaluation; the metrics themselves must agree
                    b = b.get("metrics");
                }
                if (exact && name.startsWith("sae_metrics_")) {
                    assertEquals(a, b, name);
                } else if (exact) {
                    assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(mine), name + " differs from analyze's");
                } else {
                    assertClose(a, b, name);
                }
                compared.add(name);
            }
        }
        for (String kind : List.of("activation_analysis_", "feature_labels_", "sae_metrics_")) {
            assertTrue(compared.stream().anyMatch(n -> n.startsWith(kind)), kind + " not compared: " + compared);
        }
    }

    /** Same JSON tree; numbers equal within 1e-5 relative (integers exactly), texts equal. */
    static void assertClose(JsonNode a, JsonNode b, String path) {
        assertEquals(a.getNodeType(), b.getNodeType(), path);
        if (a.isObject()) {
            List<String> ka = new ArrayList<>();
            List<String> kb = new ArrayList<>();
            a.fieldNames().forEachRemaining(ka::add);
            b.fieldNames().forEachRemaining(kb::add);
            assertEquals(ka, kb, path);
        }
        if (a.isContainerNode()) {
            assertEquals(a.size(), b.size(), path);
            for (int i = 0; i < a.size(); i++) {
                if (a.isArray()) assertClose(a.get(i), b.get(i), path + "[" + i + "]");
            }
            a.fieldNames().forEachRemaining(k -> assertClose(a.get(k), b.get(k), path + "." + k));
        } else if (a.isIntegralNumber() || !a.isNumber()) {
            assertEquals(a, b, path);
        } else {
            double x = a.asDouble();
            double y = b.asDouble();
            assertEquals(x, y, 1e-5 * Math.max(Math.abs(x), Math.abs(y)) + 1e-12, path);
        }
    }

    @Test
    void everyLayerEqualsWhatAnalyzeWritesForIt() throws Exception {
        for (int layer = 0; layer < BLOCKS; layer++) {
            for (int position : new int[] {3, -1}) {
                // The last block keeps only the rows it must (the prompts' last tokens, plus the other captured
                // positions' rows): with more rows, llama.cpp's matmuls round the last block's last-token rows
                // differently in their last bits. Everything else is the same computation, bit for bit.
                boolean exact = !(layer == BLOCKS - 1 && position == -1);
                assertSameFiles(analyze(layer, position), sweep.resolve(SweepReport.layerDir(layer, position)), exact);
            }
        }
    }

    @Test
    void aSinglePositionSweepEqualsAnalyzeByteForByteAtEveryLayer() throws Exception {
        Path last = dir.resolve("sweep-last");
        assertEquals(0, Main.run("sweep", "--model", model.toString(), "--saes", saes.toString(), "--dataset", dataset.toString(),
                "--positions", "-1", "--batch", BATCH, "--ranks", RANKS, "--ce-samples", "0", "--no-dashboard", "--no-plots", "--out",
                last.toString()));
        for (int layer = 0; layer < BLOCKS; layer++) {
            assertSameFiles(analyze(layer, -1), last.resolve(SweepReport.layerDir(layer, -1)), true);
        }
        JsonNode summary = JSON.readTree(last.resolve(SweepSummary.JSON_NAME).toFile());
        assertTrue(summary.get(0).get("spliced_ce_loss").isNull(), "no spliced-in evaluation with --ce-samples 0");
    }

    @Test
    void theSummaryHoldsEveryLayerWithItsSplicedEvaluation() throws Exception {
        JsonNode summary = JSON.readTree(sweep.resolve(SweepSummary.JSON_NAME).toFile());
        assertEquals(BLOCKS * 2, summary.size());
        for (JsonNode e : summary) {
            for (String key : List.of("layer", "position", "explained_variance", "mse", "l0", "dead_fraction", "spliced_ce_loss",
                    "clean_ce_loss", "ce_loss_recovered", "spliced_kl", "type_counts")) {
                assertTrue(e.has(key), key + " missing in " + e);
            }
            assertTrue(e.get("clean_ce_loss").asDouble() > 0);
            Path metrics = sweep.resolve(e.get("dir").asText()).resolve("sae_metrics_layer" + e.get("layer").asInt() + "_pos"
                    + e.get("position").asInt() + ".json");
            JsonNode m = JSON.readTree(metrics.toFile());
            assertEquals(m.get("metrics").get("explained_variance"), e.get("explained_variance"));
            assertEquals(m.get("spliced").get("ce_loss_recovered"), e.get("ce_loss_recovered"));
            int typed = 0;
            for (JsonNode c : e.get("type_counts")) typed += c.asInt();
            assertEquals(e.get("live_features").asInt(), typed, "type counts cover every live feature");
            assertTrue(m.get("spliced").get("ce_tokens").asInt() > 16, "next-token predictions of 16 prompts");
        }
        // the layer's spliced evaluation is the same at both positions
        assertEquals(summary.get(0).get("spliced_ce_loss"), summary.get(1).get("spliced_ce_loss"));
        String md = Files.readString(sweep.resolve(SweepSummary.MARKDOWN_NAME));
        assertTrue(md.contains("What changes with depth"), md);
        assertTrue(md.contains("explained variance"), md);
        for (String png : SweepSummary.HEATMAP_NAMES) assertTrue(Files.size(sweep.resolve(png + ".png")) > 1000, png);
        String html = Files.readString(sweep.resolve(SweepSummary.HTML_NAME));
        assertTrue(html.contains("dashboard/index.html#layer=2&amp;pos=-1"), "heatmap rows link into the dashboard");
        String index = Files.readString(sweep.resolve("dashboard/index-data.js"));
        for (int layer = 0; layer < BLOCKS; layer++) {
            for (int position : new int[] {3, -1}) assertTrue(index.contains("layer" + layer + "_pos" + position), "dashboard section " + layer);
        }
        assertFalse(Files.exists(sweep.resolve(Sweep.PARTIAL)));
    }

    @Test
    void analyzeCodesReadsTheSweepsCodesWithoutTheModelAndWritesTheSameFiles() throws Exception {
        Path fromCodes = dir.resolve("analyze-codes");
        assertEquals(0, Main.run("analyze", "--codes", sweep.resolve("codes.safetensors").toString(), "--layers", "0,1,2", "--position",
                "-1", "--dataset", dataset.toString(), "--ranks", RANKS, "--no-plots", "--out", fromCodes.toString()));
        int compared = 0;
        try (Stream<Path> files = Files.list(fromCodes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                String name = f.getFileName().toString();
                int layer = Integer.parseInt(name.replaceAll(".*_layer(\\d+)_pos.*", "$1"));
                Path mine = sweep.resolve(SweepReport.layerDir(layer, -1)).resolve(name);
                assertArrayEquals(Files.readAllBytes(mine), Files.readAllBytes(f), name + ": analyze --codes differs from the sweep");
                compared++;
            }
        }
        assertEquals(BLOCKS * 3, compared, "two rank bands and the labels per layer");
        // stored codes and a model are two sources: refused together, like a missing layer
        assertEquals(2, Main.run("analyze", "--codes", sweep.resolve("codes.safetensors").toString(), "--layer", "0", "--position", "-1",
                "--model", model.toString(), "--dataset", dataset.toString(), "--out", dir.resolve("bad").toString()));
        assertEquals(2, Main.run("analyze", "--codes", sweep.resolve("codes.safetensors").toString(), "--layer", "7", "--position", "-1",
                "--dataset", dataset.toString(), "--out", dir.resolve("bad").toString()));
        assertEquals(2, Main.run("analyze", "--position", "-1", "--dataset", dataset.toString(), "--out", dir.resolve("bad").toString()));
    }

    @Test
    void validateLayersValidatesEveryLayerOfTheSweepsFolder() throws Exception {
        Path v = dir.resolve("validate");
        assertEquals(0, Main.run("validate", "--model", model.toString(), "--sae", saes.toString(), "--layers", "all", "--dataset",
                dataset.toString(), "--position", "-1", "--limit", "6", "--top", "1", "--max-tokens", "4", "--sanity-prompts", "2",
                "--resamples", "50", "--no-plots", "--out", v.toString()));
        for (int layer = 0; layer < BLOCKS; layer++) {
            assertTrue(Files.isRegularFile(v.resolve("layer" + layer).resolve("validation_results_layer" + layer + "_pos-1.json")),
                    "layer " + layer);
        }
        assertEquals(2, Main.run("validate", "--model", model.toString(), "--sae", saes.toString(), "--layers", "all", "--amplify", "3",
                "--dataset", dataset.toString(), "--position", "-1", "--out", v.toString()));
    }

    @Test
    void theDelphiCacheHoldsEveryLayer() throws Exception {
        for (int b = 0; b < BLOCKS; b++) {
            Path hook = dir.resolve("delphi").resolve("layers." + b);
            assertTrue(Files.isRegularFile(hook.resolve("config.json")), "config of " + hook);
            try (Stream<Path> files = Files.list(hook)) {
                assertEquals(2, files.filter(p -> p.toString().endsWith(".safetensors")).count(), "two latent splits in " + hook);
            }
        }
    }

    @Test
    void statsReadsTheSweepsCodesWithoutTheModel() throws Exception {
        Path codes = sweep.resolve("codes.safetensors");
        Path stats = dir.resolve("stats.json");
        assertEquals(0, Main.run("stats", "--codes", codes.toString(), "--tensor", "layer1.pos-1", "--out", stats.toString()));
        JsonNode fromCodes = JSON.readTree(stats.toFile()).get("layer1.pos-1");
        JsonNode fromSweep = JSON.readTree(sweep.resolve("layer1_pos-1/stats_layer1_pos-1.json").toFile()).get("features");
        assertEquals(fromSweep.size(), fromCodes.size());
        for (int i = 0; i < fromSweep.size(); i++) {
            assertEquals(fromSweep.get(i).get("feature").asInt(), fromCodes.get(i).get("summary").get("featureId").asInt(), "rank " + i);
            assertEquals(fromSweep.get(i).get("activation_freq").asDouble(), fromCodes.get(i).get("summary").get("activationFreq").asDouble());
        }
    }
}
