package io.llamasae.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.cli.ClassifyCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifyCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ClassifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path ref(String name) {
        Path p = Path.of(System.getProperty("llama.sae.shared", "../shared")).resolve("reference/seed").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p), "reference file not present: " + p);
        return p;
    }

    @Test
    void seedModeReproducesStoredFilesUnchanged() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String name : new String[]{"activation_analysis_layer14_pos3_rank50-200.json", "activation_analysis_layer3_pos3_rank20-100.json",
                "feature_labels_layer14_pos3.json"}) {
            Path out = dir.resolve("re_" + name);
            Run r = run("--from", ref(name).toString(), "--mode", "seed", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(" 0 labels differ"), r.out());
            JsonNode before = json.readTree(ref(name).toFile());
            JsonNode after = json.readTree(out.toFile());
            String list = before.has("all_features") ? "all_features" : "features";
            String obj = before.has("all_features") ? "specialization" : "interpretation";
            for (int i = 0; i < before.get(list).size(); i++) {
                assertEquals(before.get(list).get(i).get(obj).get("type"), after.get(list).get(i).get(obj).get("type"));
            }
            if (before.has("all_features")) {
                assertEquals(before.get("metadata").get("specialized_features_found"), after.get("metadata").get("specialized_features_found"));
                assertEquals(ids(before.get("specialized_features")), ids(after.get("specialized_features")));
                if (before.get("specialized_features").size() > 0) {
                    assertEquals(before.get("specialized_features").get(0).get("top_samples"),
                            after.get("specialized_features").get(0).get("top_samples"), "stored top samples carried over");
                }
            }
        }
    }

    private static java.util.List<Integer> ids(JsonNode features) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        features.forEach(f -> out.add(f.get("feature_id").asInt()));
        return out;
    }

    @Test
    void thresholdsChangeSeedLabels() throws IOException {
        Path out = dir.resolve("loose.json");
        // with a 60 % operation bar many more rank-50–200 features become operation-specialized
        Run r = run("--from", ref("activation_analysis_layer14_pos3_rank50-200.json").toString(), "--mode", "seed", "--op-max", "60",
                "--op-others", "101", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode after = new ObjectMapper().readTree(out.toFile());
        assertTrue(after.get("metadata").get("specialized_features_found").asInt() > 1);
    }

    @Test
    void soundModeExplainsWhatCannotBeComputed() throws IOException {
        Path out = dir.resolve("sound.json");
        Run r = run("--from", ref("activation_analysis_layer14_pos3_rank50-200.json").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("note: sound: only minimum support"), r.out());
        JsonNode after = new ObjectMapper().readTree(out.toFile());
        assertEquals("undetermined", after.get("all_features").get(0).get("specialization").get("type").asText());
        assertEquals("general", after.get("all_features").get(0).get("specialization").get("stored_type").asText());
    }

    @Test
    void everyStoredJsonIsHandled() throws IOException {
        Path dir0 = ref("feature_labels_layer14_pos3.json").getParent();
        int relabelled = 0;
        try (var files = Files.list(dir0)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                Run r = run("--from", p.toString(), "--mode", "seed", "--out", dir.resolve("o_" + p.getFileName()).toString());
                if (p.getFileName().toString().startsWith("validation_results")) {
                    assertEquals(2, r.code());
                    assertTrue(r.err().contains("validation results file"), r.err());
                } else {
                    assertEquals(0, r.code(), r.err());
                    assertTrue(r.out().contains(" 0 labels differ"), p + ": " + r.out());
                    relabelled++;
                }
            }
        }
        assertEquals(3, relabelled);
    }

    @Test
    void badInputExitsTwoWithOneLine() throws IOException {
        Path out = dir.resolve("x.json");
        Run missing = run("--from", dir.resolve("nope.json").toString(), "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.json") && missing.err().contains("expected an existing file"), missing.err());
        assertEquals(1, missing.err().strip().lines().count());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"metadata\": {}, \"all_features\": [{\"feature_id\": 1, \"specialization\": {\"type\": \"general\", "
                + "\"description\": \"mixed patterns\", \"scores\": {\"operations\": {\"addition\": 1}}}}]}");
        Run field = run("--from", bad.toString(), "--mode", "seed", "--out", out.toString());
        assertEquals(2, field.code());
        assertTrue(field.err().contains("all_features[0].specialization.scores.operations: field 'subtraction'"), field.err());

        Files.writeString(bad, "{not json");
        assertEquals(2, run("--from", bad.toString(), "--out", out.toString()).code());
        Files.writeString(bad, "[]");
        assertEquals(2, run("--from", bad.toString(), "--out", out.toString()).code());
        assertEquals(2, run("--from", bad.toString(), "--mode", "fancy", "--out", out.toString()).code());
        assertTrue(!Files.exists(out), "nothing written on bad input");
    }
}
