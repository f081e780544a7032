package io.llamasae.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.report.StoredRelabeler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeedRulesTest {
    private static SeedLabel label(String... cots) {
        return SeedRules.classify(SeedRules.score(List.of(cots)), SeedThresholds.defaults());
    }

    /** The reference report's own rare features, from the samples it printed: the quirks reproduce its labels. */
    @Test
    void reproducesTheReferenceQuirksOnItsPrintedSamples() {
        // feature 487: one sample with +, -, / → all 100 %, first in order is addition; "30" and "50" tie at 100 %, first is 30
        assertEquals(new SeedLabel("highly-specialized", "addition + number 30"), label("60/2=30 | 30+15=45 | 60-45=15 | 15/3=5 | 60-10=50"));
        // feature 350: "50" matched inside "500" (substring quirk)
        assertEquals(new SeedLabel("highly-specialized", "addition + number 50"), label("500*2=1000 | 500+1000=1500"));
        // feature 392
        assertEquals(new SeedLabel("highly-specialized", "addition + number 100"), label("5*45=225 | 25*31=775 | 225+775=1000 | 1000/100=10"));
        // feature 194: subtraction and division tie at 100 %, subtraction comes first
        assertEquals(new SeedLabel("operation-specialized", "subtraction"), label("408-113=295 | 295/5=59"));
        // feature 332 (3 of its 5 samples): multiplication ties addition, "20" at 67 % but "12" at 33 % ≥ 20 → no value label
        assertEquals(new SeedLabel("operation-specialized", "addition"), label("20*3=60 | 60+5=65", "20*2=40 | 40+6=46", "5*12=60 | 60+16=76"));
    }

    @Test
    void scoresAreSubstringPercentages() {
        SeedScores s = SeedRules.score(List.of("120+5=125", "3*4=12", "10-2=8", "the sum is 4"));
        assertEquals(50.0, s.operations().get("addition"));
        assertEquals(25.0, s.operations().get("subtraction"));
        assertEquals(2, s.values().get("12"));
        assertEquals(4, s.totalSamples());
        assertEquals(new SeedLabel("general", "mixed patterns"), SeedRules.classify(s, SeedThresholds.defaults()));
        assertEquals(new SeedLabel("general", "mixed patterns"), label());
    }

    @Test
    void firstStageInterpretation() {
        SeedInterpretation all = SeedRules.interpret(List.of("subtraction", "number_12", "addition", "round_numbers"));
        assertEquals("mixed", all.type());
        assertEquals("medium", all.confidence());
        assertEquals(List.of("addition", "number_12", "round_numbers", "subtraction"), all.detectedPatterns());
        assertEquals("Operations: addition, subtraction; Numbers: 12; Round numbers (100, 200, 500, 1000)", all.description());
        assertEquals(new SeedInterpretation("operation-level", "high", List.of("addition", "division"), "Operations: addition, division"),
                SeedRules.interpret(List.of("division", "addition")));
        assertEquals("medium", SeedRules.interpret(List.of("division")).confidence());
        assertEquals("value-level", SeedRules.interpret(List.of("number_50", "number_20")).type());
        assertEquals("high", SeedRules.interpret(List.of("number_50", "number_20")).confidence());
        assertEquals("unknown", SeedRules.interpret(List.of()).type());
        List<String> cots = List.of("1+1=2", "2+2=4", "3+3=6", "120*1=120", "12*1=12", "12/1=12", "12-0=12", "112+0=112");
        assertEquals(List.of("addition", "number_12"), SeedRules.detectPatterns(cots, SeedThresholds.defaults()));
    }

    private static Path seedDir() {
        Path dir = Path.of(System.getProperty("llama.sae.shared", "../shared")).resolve("reference/seed");
        Assumptions.assumeTrue(Files.isDirectory(dir), "reference outputs not present at " + dir + "; skipping");
        return dir;
    }

    /**
     * Seed-mode reproduction of the stored labels. The rank-band files store each feature's scores, so the
     * second-stage type and description are recomputed from them for every feature. The feature_labels file keeps
     * 10 of the 100 samples behind each label, so there the patterns cannot be recomputed; what is reproduced is
     * type, confidence and description from the stored detected_patterns (numbers compared as a set), plus a
     * consistency check: patterns found in the 10 stored samples must be among the stored ones.
     */
    @Test
    void reproducesEveryStoredSeedLabel() throws IOException {
        Path dir = seedDir();
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        int matched = 0;
        List<String> mismatches = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("activation_analysis_")).sorted().toList()) {
                JsonNode root = json.readTree(p.toFile());
                int specialized = 0;
                for (JsonNode f : root.get("all_features")) {
                    JsonNode spec = f.get("specialization");
                    SeedLabel l = SeedRules.classify(readScores(spec.get("scores")), SeedThresholds.defaults());
                    checked++;
                    if (l.type().equals(spec.get("type").asText()) && l.description().equals(spec.get("description").asText())) {
                        matched++;
                    } else {
                        mismatches.add(p.getFileName() + " feature " + f.get("feature_id") + ": " + l + " vs " + spec);
                    }
                    if (!l.type().equals("general")) {
                        specialized++;
                    }
                }
                assertEquals(root.get("metadata").get("specialized_features_found").asInt(), specialized, p.toString());
                assertEquals(root.get("metadata").get("total_features_analyzed").asInt(), root.get("all_features").size());
            }
            Path labels = dir.resolve("feature_labels_layer14_pos3.json");
            JsonNode root = json.readTree(labels.toFile());
            for (JsonNode f : root.get("features")) {
                JsonNode in = f.get("interpretation");
                List<String> stored = new ArrayList<>();
                in.get("detected_patterns").forEach(x -> stored.add(x.asText()));
                SeedInterpretation si = SeedRules.interpret(stored);
                checked++;
                if (si.type().equals(in.get("type").asText()) && si.confidence().equals(in.get("confidence").asText())
                        && StoredRelabeler.sameDescription(si.description(), in.get("description").asText())
                        && si.detectedPatterns().equals(stored)) {
                    matched++;
                } else {
                    mismatches.add("labels feature " + f.get("feature_id") + ": " + si + " vs " + in);
                }
                List<String> cots = new ArrayList<>();
                f.get("top_samples").forEach(t -> cots.add(t.get("cot").asText()));
                assertTrue(new HashSet<>(stored).containsAll(SeedRules.detectPatterns(cots, SeedThresholds.defaults())),
                        "patterns of the 10 stored samples must be among the stored ones for feature " + f.get("feature_id"));
            }
        }
        System.out.printf("seed reproduction: %d/%d stored labels (%.1f %%)%n", matched, checked, 100.0 * matched / checked);
        assertEquals(151 + 81 + 20, checked);
        assertEquals(List.of(), mismatches);
    }

    private static SeedScores readScores(JsonNode s) {
        var ops = new java.util.LinkedHashMap<String, Double>();
        s.get("operations").fields().forEachRemaining(e -> ops.put(e.getKey(), e.getValue().asDouble()));
        var vals = new java.util.LinkedHashMap<String, Integer>();
        s.get("values").fields().forEachRemaining(e -> vals.put(e.getKey(), e.getValue().asInt()));
        return new SeedScores(ops, vals, s.get("total_samples").asInt());
    }
}
