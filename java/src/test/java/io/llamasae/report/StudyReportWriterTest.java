package io.llamasae.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.PlantedStudy;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StudyReportWriterTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    private static StudyResult study(AnalysisMode mode, int layer, String bands) {
        PlantedStudy p = new PlantedStudy(2000, 5);
        return StudyAnalysis.run(p.statistics(), p.samples, p.config().mode(mode).layer(layer).bands(bands).build());
    }

    @Test
    void writesReferenceFilesPlotsAndAConsistentMarkdown() throws IOException {
        StudyResult sound = study(AnalysisMode.SOUND, 2, "1-10,11-48");
        StudyResult seed = study(AnalysisMode.SEED, 5, "1-48");
        List<Path> written = StudyReportWriter.write(dir, sound, seed);
        for (String name : List.of("activation_analysis_layer2_pos3_rank1-10.json", "activation_analysis_layer2_pos3_rank11-48.json",
                "feature_labels_layer2_pos3.json", "activation_analysis_layer5_pos3_rank1-48.json", "feature_labels_layer5_pos3.json",
                "feature-specialization-report.md", "activation_frequency_layer2_pos3.png", "specialization_vs_frequency_layer2_pos3.png",
                "type_by_rank_band_layer5_pos3.png")) {
            assertTrue(Files.isRegularFile(dir.resolve(name)), name);
            assertTrue(written.contains(dir.resolve(name)), name);
        }
        for (Path p : written) {
            if (p.toString().endsWith(".png")) {
                byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(p), 4);
                assertArrayEquals(PNG_MAGIC, head, p.toString());
            }
        }
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left behind");
        }

        String md = Files.readString(dir.resolve(StudyReportWriter.REPORT_NAME));
        // every per-band table and summary row agrees with the JSON written beside it
        Map<String, int[]> summary = summaryRows(md);
        int checkedBands = 0;
        for (Path p : written) {
            String name = p.getFileName().toString();
            if (!name.startsWith("activation_analysis_")) {
                continue;
            }
            JsonNode root = JSON.readTree(p.toFile());
            JsonNode meta = root.get("metadata");
            String key = "Layer " + meta.get("layer").asInt() + ", pos " + meta.get("position").asInt() + ", rank "
                    + meta.get("rank_range").get(0).asInt() + "-" + meta.get("rank_range").get(1).asInt();
            int[] row = summary.get(key);
            assertEquals(meta.get("total_features_analyzed").asInt(), row[0], key);
            assertEquals(meta.get("specialized_features_found").asInt(), row[1], key);
            assertEquals(meta.get("swap_pairs_generated").asInt(), row[2], key);
            assertEquals(root.get("all_features").size(), row[0]);
            assertEquals(root.get("specialized_features").size(), row[1]);
            assertEquals(root.get("swap_pairs").size(), row[2]);

            Map<String, Integer> jsonCounts = new HashMap<>();
            root.get("all_features").forEach(f -> jsonCounts.merge(f.get("specialization").get("type").asText(), 1, Integer::sum));
            Map<String, Integer> mdCounts = categoryTable(md, "Layer " + meta.get("layer").asInt() + ", Position 3, Rank "
                    + meta.get("rank_range").get(0).asInt() + "-" + meta.get("rank_range").get(1).asInt());
            mdCounts.values().removeIf(v -> v == 0);
            assertEquals(jsonCounts, mdCounts, key);
            checkedBands++;
        }
        assertEquals(3, checkedBands);
        int[] total = summary.get("**Total**");
        assertEquals(summary.entrySet().stream().filter(e -> !e.getKey().equals("**Total**")).mapToInt(e -> e.getValue()[0]).sum(), total[0]);
        assertTrue(md.contains("Spearman correlation"), "findings computed");
        assertTrue(md.contains("![activation_frequency_layer2_pos3.png]"), "plots linked");
    }

    @Test
    void bandsBeyondTheDictionaryAreEmptyNotErrors() throws IOException {
        StudyResult r = study(AnalysisMode.SOUND, 2, "400-512");
        assertEquals(0, r.bands().get(0).features().size());
        StudyReportWriter.write(dir, r);
        JsonNode root = JSON.readTree(dir.resolve("activation_analysis_layer2_pos3_rank400-512.json").toFile());
        assertEquals(0, root.get("metadata").get("total_features_analyzed").asInt());
        assertEquals(113, root.get("metadata").get("ranks_skipped_in_band").asInt());
        String md = Files.readString(dir.resolve(StudyReportWriter.REPORT_NAME));
        assertTrue(md.contains("Features analysed: 0 (113 ranks skipped"), md);
        assertTrue(md.contains("undefined"), "no correlation from an empty set");
    }

    @Test
    void jsonKeysAreASupersetOfTheReference() throws IOException {
        StudyResult sound = study(AnalysisMode.SOUND, 2, "1-48");
        StudyReportWriter.write(dir, List.of(sound), false);
        JsonNode ours = JSON.readTree(dir.resolve("activation_analysis_layer2_pos3_rank1-48.json").toFile());
        JsonNode oursLabels = JSON.readTree(dir.resolve("feature_labels_layer2_pos3.json").toFile());
        Path ref = Path.of(System.getProperty("llama.sae.shared", "../shared")).resolve("reference/seed");
        JsonNode refAnalysis;
        JsonNode refLabels;
        if (Files.isDirectory(ref)) {
            refAnalysis = JSON.readTree(ref.resolve("activation_analysis_layer14_pos3_rank50-200.json").toFile());
            refLabels = JSON.readTree(ref.resolve("feature_labels_layer14_pos3.json").toFile());
        } else {
            // the reference structure, transcribed, for checkouts without shared/
            refAnalysis = JSON.readTree("{\"metadata\":{\"layer\":1,\"position\":1,\"sae_config\":\"\",\"rank_range\":[1,2],"
                    + "\"total_features_analyzed\":1,\"specialized_features_found\":1,\"swap_pairs_generated\":0,\"analysis_date\":\"\"},"
                    + "\"all_features\":[{\"rank\":1,\"feature_id\":1,\"activation_freq\":0.1,\"mean_magnitude\":0.1,\"specialization\":"
                    + "{\"type\":\"\",\"description\":\"\",\"scores\":{\"operations\":{\"addition\":1.0,\"subtraction\":1.0,"
                    + "\"multiplication\":1.0,\"division\":1.0},\"values\":{\"12\":1,\"20\":1,\"30\":1,\"50\":1,\"100\":1},"
                    + "\"total_samples\":1}}}],\"specialized_features\":[{\"rank\":1,\"feature_id\":1,\"activation_freq\":0.1,"
                    + "\"mean_magnitude\":0.1,\"specialization\":{\"type\":\"\",\"description\":\"\"},\"top_samples\":[{\"problem_id\":\"\","
                    + "\"cot\":\"\",\"activation\":1.0}]}],\"swap_pairs\":[]}");
            refLabels = JSON.readTree("{\"metadata\":{\"layer\":1,\"position\":1,\"sae_config\":\"\",\"num_features\":1,\"analysis_date\":\"\"},"
                    + "\"features\":[{\"rank\":1,\"feature_id\":1,\"activation_freq\":0.1,\"mean_magnitude\":0.1,\"interpretation\":"
                    + "{\"type\":\"\",\"confidence\":\"\",\"detected_patterns\":[],\"description\":\"\"},\"top_samples\":[{\"problem_id\":\"\","
                    + "\"cot\":\"\",\"activation\":1.0}]}]}");
        }
        assertTrue(ours.get("specialized_features").size() > 0, "planted study has specialized features to compare");
        assertSuperset(refAnalysis, ours, "$");
        assertSuperset(refLabels, oursLabels, "$");
    }

    /** Every object key of {@code ref} exists in {@code ours} with the same JSON type; arrays compared on their first element. */
    private static void assertSuperset(JsonNode ref, JsonNode ours, String path) {
        assertEquals(ref.getNodeType() == com.fasterxml.jackson.databind.node.JsonNodeType.NUMBER, ours.isNumber(), path + " type");
        if (ref.isObject()) {
            assertTrue(ours.isObject(), path);
            for (Iterator<String> it = ref.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                assertTrue(ours.has(k), "missing key " + path + "." + k);
                assertSuperset(ref.get(k), ours.get(k), path + "." + k);
            }
        } else if (ref.isArray()) {
            assertTrue(ours.isArray(), path);
            if (ref.size() > 0 && ours.size() > 0) {
                assertSuperset(ref.get(0), ours.get(0), path + "[0]");
            }
        } else {
            assertEquals(ref.isTextual(), ours.isTextual(), path + " text");
        }
    }

    /** "| name | features | specialized (x%) | pairs |" rows of the summary table. */
    private static Map<String, int[]> summaryRows(String md) {
        String table = md.substring(md.indexOf("## Summary Statistics"));
        Pattern row = Pattern.compile("^\\| (.+?) \\| \\**(\\d+)\\** \\| \\**(\\d+) \\([0-9.]+%\\)\\** \\| \\**(\\d+)\\** \\|$", Pattern.MULTILINE);
        Matcher m = row.matcher(table);
        Map<String, int[]> out = new HashMap<>();
        while (m.find()) {
            out.put(m.group(1), new int[]{Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))});
        }
        return out;
    }

    /** "| type | count | pct |" rows of the category table under the given analysis heading; percentages checked too. */
    private static Map<String, Integer> categoryTable(String md, String heading) {
        int at = md.indexOf(heading);
        assertTrue(at >= 0, "heading " + heading);
        String rest = md.substring(at);
        String table = rest.substring(rest.indexOf("| Category |"));
        table = table.substring(0, table.indexOf("\n\n"));
        Map<String, Integer> out = new HashMap<>();
        List<double[]> pct = new ArrayList<>();
        for (String line : table.split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 4 || cells[1].isBlank() || cells[1].contains("Category") || cells[1].contains("---")) {
                continue;
            }
            out.put(cells[1].trim(), Integer.parseInt(cells[2].trim()));
            pct.add(new double[]{Integer.parseInt(cells[2].trim()), Double.parseDouble(cells[3].trim().replace("%", ""))});
        }
        int total = out.values().stream().mapToInt(Integer::intValue).sum();
        for (double[] p : pct) {
            assertEquals(100.0 * p[0] / total, p[1], 0.05 + 1e-9);
        }
        Set<String> seen = new HashSet<>(out.keySet());
        assertTrue(seen.contains("general"));
        return out;
    }
}
