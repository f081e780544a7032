package io.llamasae.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.cli.Main;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --train}: one capture pass, a K grid trained per layer with a held-out split, every grid point analysed
 * and compared (the reference study's open question answered with numbers); and {@code train --layers} writing the
 * layout {@code sweep --saes} reads, with the held-out spliced-in evaluation.
 */
class SweepTrainTest {
    static final int BLOCKS = 2;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path dataset;
    static Path out;

    @BeforeAll
    static void trainAndSweep() throws Exception {
        SharedData.requireNatives();
        model = dir.resolve("model.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(BLOCKS).nEmbd(64).nHead(4).nHeadKv(2).nFf(128).nCtx(512).seed(3).build(),
                model);
        List<Sample> samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(8).build()).generate(60);
        dataset = dir.resolve("data.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(samples, dataset);
        out = dir.resolve("sweep");
        assertEquals(0, Main.run("sweep", "--model", model.toString(), "--train", "--k", "4,16", "--latents", "64", "--epochs", "2",
                "--holdout", "0.2", "--dataset", dataset.toString(), "--positions", "-1", "--batch", "12", "--ranks", "1-20,21-64",
                "--mode", "seed", "--no-dashboard", "--resume", "--out", out.toString()));
    }

    @Test
    void everyGridPointIsTrainedFromOneCaptureAndAnalysed() throws Exception {
        assertTrue(Files.isRegularFile(out.resolve(SweepTraining.ACTIVATIONS)), "the one capture pass");
        for (String grid : List.of("k4-f64", "k16-f64")) {
            for (int layer = 0; layer < BLOCKS; layer++) {
                Path sae = out.resolve("sae").resolve(grid).resolve("layer" + layer);
                JsonNode cfg = JSON.readTree(sae.resolve("cfg.json").toFile());
                assertEquals("blocks." + layer + ".hook_resid_post", cfg.get("hook_name").asText(), "the SAE records its hook");
                assertEquals(48, cfg.get("training_samples").asInt(), "80 % of 60 samples trained on");
                JsonNode held = JSON.readTree(sae.resolve(HeldOutMetrics.FILE).toFile());
                assertEquals(12, held.get("heldout_rows").asInt());
                assertTrue(held.get("metrics").get("explained_variance").isNumber());
                assertTrue(Files.isRegularFile(out.resolve(grid).resolve("layer" + layer + "_pos-1").resolve("feature_labels_layer" + layer
                        + "_pos-1.json")), "grid point " + grid + " analysed at layer " + layer);
            }
        }
        JsonNode summary = JSON.readTree(out.resolve(SweepSummary.JSON_NAME).toFile());
        assertEquals(2 * BLOCKS, summary.size());
        Set<String> grids = new HashSet<>();
        for (JsonNode e : summary) {
            grids.add(e.get("grid").asText());
            assertEquals(e.get("grid").asText(), "k" + e.get("k").asInt() + "-f64");
            // the spliced-in evaluation ran on the held-out samples (the last 12)
            assertTrue(e.get("ce_tokens").asInt() > 12, e.toString());
        }
        assertEquals(Set.of("k4-f64", "k16-f64"), grids);
        String md = Files.readString(out.resolve(SweepSummary.MARKDOWN_NAME));
        assertTrue(md.contains("Does a larger K remove the rare specialized features?"), md);
        assertTrue(md.contains("from K = 4 to K = 16: rare features"), md);
        assertTrue(md.matches("(?s).*\\*\\*(Yes|No|A larger K reduces|There are no rare).*"), "a verdict computed from the numbers");
    }

    @Test
    void trainLayersWritesTheSweepLayoutWithHeldOutSplicedLoss() throws Exception {
        Path saes = dir.resolve("trained");
        assertEquals(0, Main.run("train", "--activations", out.resolve(SweepTraining.ACTIVATIONS).toString(), "--layers", "all",
                "--position", "-1", "--k", "8", "--latents", "64", "--epochs", "2", "--holdout", "0.25", "--model", model.toString(),
                "--dataset", dataset.toString(), "--out", saes.toString()));
        for (int layer = 0; layer < BLOCKS; layer++) {
            JsonNode held = JSON.readTree(saes.resolve("layer" + layer).resolve(HeldOutMetrics.FILE).toFile());
            assertEquals(15, held.get("heldout_rows").asInt());
            JsonNode spliced = held.get("spliced");
            assertTrue(spliced.get("ce_tokens").asInt() > 15, held.toString());
            assertTrue(spliced.get("clean_ce_loss").asDouble() > 0 && spliced.get("spliced_ce_loss").asDouble() > 0, held.toString());
        }
        // the folder is a sweep's --saes: every layer found from its layer{L} subfolder, hooks agreeing
        Path sweep = dir.resolve("sweep-of-trained");
        assertEquals(0, Main.run("sweep", "--model", model.toString(), "--saes", saes.toString(), "--dataset", dataset.toString(),
                "--positions", "-1", "--batch", "12", "--ce-samples", "0", "--no-dashboard", "--no-plots", "--out", sweep.toString()));
        assertEquals(BLOCKS, JSON.readTree(sweep.resolve(SweepSummary.JSON_NAME).toFile()).size());
        // an SAE attached at the wrong layer is refused: layer1's SAE named layer0
        Path wrong = dir.resolve("wrong");
        Files.createDirectories(wrong);
        copy(saes.resolve("layer1"), wrong.resolve("layer0"));
        assertEquals(2, Main.run("sweep", "--model", model.toString(), "--saes", wrong.toString(), "--dataset", dataset.toString(),
                "--positions", "-1", "--out", dir.resolve("refused").toString()));
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
