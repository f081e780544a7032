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

    /**
     * The demo on the shipped model and its control (no ../shared needed): both models reported, the
     * trained model computes and the control does not, at least one ablation is significant
     * (McNemar p < 0.01 with a bootstrap interval that excludes 0), the operation-level interaction
     * test is reported, and the per-model reports are consistent.
     */
    @Test
    void demoComparesTheTrainedModelWithItsControl(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Outcome o = run("demo", "--out", out.toString(), "--samples", "600", "--held-out", "300");
        assertEquals(0, o.code(), o.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode cmp = json.readTree(out.resolve("comparison.json").toFile());
        JsonNode trained = cmp.get("trained");
        JsonNode control = cmp.get("control");
        assertEquals("arith-lm.gguf", trained.get("model").asText());
        assertEquals("arith-lm-init.gguf", control.get("model").asText());
        assertEquals(300, trained.get("accuracy").get("n").asInt());
        assertTrue(trained.get("accuracy").get("accuracy").asDouble() >= 0.9, "trained accuracy " + trained.get("accuracy"));
        assertTrue(control.get("accuracy").get("accuracy").asDouble() <= 0.1, "control accuracy " + control.get("accuracy"));
        for (JsonNode m : new JsonNode[] {trained, control}) {
            assertEquals(4, m.get("accuracy").get("by_operation").size(), "per-operation accuracy");
            assertEquals(2, m.get("layers").size());
            for (JsonNode l : m.get("layers")) {
                assertTrue(l.get("type_counts").has("sound") && l.get("type_counts").has("seed"), "both modes");
                assertTrue(l.get("q_values").get("tests").asInt() > 0, "enrichment tests");
            }
            assertEquals(5, m.get("validation").get("top_features").size());
            assertTrue(m.get("validation").get("sanity_passed").asBoolean(), "sanity checks pass");
        }
        boolean significant = false;
        for (JsonNode f : trained.get("validation").get("top_features")) {
            JsonNode d = f.get("delta");
            if (f.get("mcnemar_p").asDouble() < 0.01 && d.get("upper").asDouble() < 0) significant = true;
        }
        assertTrue(significant, "an ablation on the trained model with McNemar p < 0.01 and a CI below 0: " + trained.get("validation"));
        for (JsonNode f : control.get("validation").get("top_features")) {
            assertTrue(f.get("mcnemar_p").asDouble() >= 0.01, "the control has nothing to lose: " + f);
        }
        JsonNode ops = trained.get("validation").get("operation_level");
        assertTrue(ops.size() >= 1, "operation-level targets on the trained model");
        for (JsonNode op : ops) assertTrue(op.has("interaction_p"), "interaction test reported: " + op);

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("## What survives the control"), md);
        assertTrue(md.contains("| all | ") && md.contains("| trained | ") && md.contains("| control | "), "side-by-side tables");
        assertTrue(Files.exists(out.resolve("demo-summary.md")));
        for (String model : new String[] {"trained", "control"}) {
            Path m = out.resolve(model);
            assertTrue(Files.exists(m.resolve("feature-specialization-report.md")), model);
            assertTrue(Files.exists(m.resolve("validation.md")), model);
            assertTrue(Files.exists(m.resolve("dashboard/index.html")), model);
            assertTrue(Files.exists(m.resolve("sae/layer1-pos-1/cfg.json")), model);
            String report = Files.readString(m.resolve("feature-specialization-report.md"));
            try (Stream<Path> files = Files.list(m)) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith("activation_analysis_")).toList()) {
                    JsonNode n = json.readTree(p.toFile());
                    JsonNode meta = n.get("metadata");
                    assertEquals(meta.get("total_features_analyzed").asInt(), n.get("all_features").size(), p.toString());
                    long specialized = 0;
                    for (JsonNode f : n.get("all_features")) {
                        String type = f.get("specialization").get("type").asText();
                        if (!type.equals("general") && !type.equals("insufficient-evidence")) specialized++;
                    }
                    assertEquals(specialized, meta.get("specialized_features_found").asLong(), p.toString());
                    String band = meta.get("rank_range").get(0).asInt() + "-" + meta.get("rank_range").get(1).asInt();
                    assertTrue(report.contains("Rank " + band) || report.contains("rank " + band), "report covers band " + band);
                }
            }
        }
    }
}
