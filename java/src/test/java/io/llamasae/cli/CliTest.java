package io.llamasae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.sae.safetensors.SafetensorsReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: exit codes and one-line messages for bad input, and the demo's report. */
class CliTest {
    record Outcome(int code, String out, String err) {}

    @BeforeAll
    static void natives() {
        SharedData.requireNatives();
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertBadInput(Outcome o, String... mentions) {
        assertEquals(2, o.code(), "exit code; stderr: " + o.err());
        String last = o.err().strip().lines().reduce((a, b) -> b).orElse("");
        for (String m : mentions) assertTrue(last.contains(m), "message should mention '" + m + "': " + last);
    }

    @Test
    void badInputEndsWithExitCode2AndAMessageNamingTheProblem(@TempDir Path dir) throws Exception {
        Path model = SharedData.tinyModel();
        assertBadInput(run("info", "--model", dir.resolve("missing.gguf").toString()), "missing.gguf");
        Path notGguf = Files.writeString(dir.resolve("x.gguf"), "hello");
        assertBadInput(run("info", "--model", notGguf.toString()), "GGUF");
        Path data = Files.writeString(dir.resolve("d.txt"), "12+7=19\nHow many apples?\n");
        Path out = dir.resolve("a.safetensors");
        assertBadInput(run("capture", "--model", model.toString(), "--dataset", data.toString(), "--layers", "3", "--positions", "-1",
                "--out", out.toString()), "layer 3");
        assertBadInput(run("capture", "--model", model.toString(), "--dataset", data.toString(), "--layers", "0", "--positions", "40",
                "--out", out.toString()), "position 40");
        assertBadInput(run("capture", "--model", model.toString(), "--dataset", data.toString(), "--layers", "0", "--positions", "-1",
                "--ctx", "4", "--out", out.toString()), "context");
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"question\": \"a\", \"answer\": \"#### 1\"}\n{not json\n");
        assertBadInput(run("capture", "--model", model.toString(), "--dataset", bad.toString(), "--layers", "0", "--positions", "-1",
                "--out", out.toString()), "bad.jsonl:2");
        assertBadInput(run("capture", "--model", model.toString(), "--dataset", data.toString(), "--layers", "0", "--positions", "x",
                "--out", out.toString()), "--positions");
        assertTrue(Files.notExists(out), "nothing written on failure");
    }

    @Test
    void captureWritesTheFileConvention(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("d.txt"), "12+7=19\nHow many apples?\n20*3=60\n");
        Path out = dir.resolve("a.safetensors");
        Outcome o = run("capture", "--model", SharedData.tinyModel().toString(), "--dataset", data.toString(), "--layers", "1",
                "--layer-convention", "hf", "--positions", "0,-1", "--batch", "2", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        try (SafetensorsReader r = SafetensorsReader.open(out)) {
            assertTrue(r.has("layer1.pos0") && r.has("layer1.pos-1"), r.tensors().keySet().toString());
            assertEquals(3, r.info("layer1.pos-1").shape()[0]);
            assertEquals(8, r.info("layer1.pos-1").shape()[1]);
            assertEquals("hf", r.metadata().get("layer_convention"));
            assertTrue(r.metadata().get("sample_ids").startsWith("["));
        }
    }

    @Test
    void demoWritesAConsistentReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Outcome o = run("demo", "--out", out.toString(), "--samples", "400");
        assertEquals(0, o.code(), o.err());
        String md = Files.readString(out.resolve("feature-specialization-report.md"));
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(out)) {
            long pngs = Files.list(out).filter(p -> p.toString().endsWith(".png")).count();
            assertTrue(pngs >= 6, "plots for two layers");
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("activation_analysis_")).toList()) {
                JsonNode n = json.readTree(p.toFile());
                JsonNode meta = n.get("metadata");
                int analysed = meta.get("total_features_analyzed").asInt();
                assertEquals(analysed, n.get("all_features").size(), p.toString());
                long specialized = 0;
                for (JsonNode f : n.get("all_features")) {
                    String type = f.get("specialization").get("type").asText();
                    if (!type.equals("general") && !type.equals("insufficient-evidence")) specialized++;
                }
                assertEquals(specialized, meta.get("specialized_features_found").asLong(), p.toString());
                String band = meta.get("rank_range").get(0).asInt() + "-" + meta.get("rank_range").get(1).asInt();
                assertTrue(md.contains("Rank " + band) || md.contains("rank " + band), "report covers band " + band);
            }
        }
        assertTrue(Files.exists(out.resolve("demo-summary.md")));
        JsonNode validation = json.readTree(out.resolve("validation_results_layer1_pos-1.json").toFile());
        assertTrue(validation.get("metadata").get("sanity_checks").get("identity_swap").asBoolean(), "sanity checks pass in the demo");
        assertEquals(5, validation.get("general_features").size());
        assertTrue(Files.exists(out.resolve("sae/layer1-pos-1/cfg.json")));
    }
}
