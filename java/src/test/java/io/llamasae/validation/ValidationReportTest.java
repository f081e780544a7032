package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.analysis.FeasibilityConfig;
import io.llamasae.analysis.FeatureSummary;
import io.llamasae.analysis.Interval;
import io.llamasae.data.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report files from a hand-built result (no engine): keys, atomic files, the PNG's panels, non-finite numbers. */
class ValidationReportTest {
    @TempDir
    Path dir;

    static ConditionResult ablation(int f, double delta, double lo, double hi, double impact) {
        ImpactMetrics.Summary im = new ImpactMetrics.Summary(100, 90, impact, 10 * impact, 3 * impact);
        return new ConditionResult(Condition.ablate(13, f), 100, 90, FeasibilityConfig.defaults().judge(90), 0.4, 0.4 + delta,
                new Interval(delta, lo, hi, 0.95), 12, 2, 0.0129, 0.05, 0.4, 0.3, im, ImpactThresholds.defaults().classify(impact));
    }

    static ValidationResult result() {
        ValidationConfig cfg = ValidationConfig.builder().block(13, 14, "hf").position(3).build();
        ConditionResult a = ablation(449, -0.1, -0.18, -0.03, 0.0979);
        ConditionResult b = ablation(168, -0.02, -0.06, 0.01, 0.1006);
        List<ValidatedFeature> general = List.of(
                new ValidatedFeature(1, new FeatureSummary(449, 99, 0.99, 5.3, 5.35, -5.3, 9.4), null, null, a.impact(), a.classification(), a),
                new ValidatedFeature(2, new FeatureSummary(168, 99, 0.99, 4.1, 4.14, 4.1, 8.0), null, null, b.impact(), b.classification(), b));
        ImpactMetrics.Summary tiny = new ImpactMetrics.Summary(100, 1, 3.5e-5, 0.003, 1e-4);
        List<ValidatedFeature> specialized = List.of(new ValidatedFeature(300, new FeatureSummary(332, 1, 0.01, 0.01, 1, 1, 1),
                "operation-specialized", "addition", tiny, ImpactThresholds.defaults().classify(tiny.meanImpact()), null));
        OperationResult op = new OperationResult(332, Operation.ADDITION, 0, 100, null, new Interval(0, 0, 0, 0.95), null, 1.0,
                null, FeasibilityConfig.defaults().judge(0));
        return new ValidationResult(cfg, 100, "2026-11-24", new SanityChecks(8, true, true, true, 1.0, 1e-4, 0.93, 449, 12, "all"), 0.4, 0.9,
                general, specialized, List.of(), List.of(), List.of(op), new ValidationResult.Provenance("m", "s", "d"));
    }

    @Test
    void writesJsonMarkdownAndThreePanelPng() throws Exception {
        List<String> files = ValidationReportWriter.write(dir, result(), true);
        assertEquals(List.of("validation_results_layer14_pos3.json", "validation_ablation_layer14_pos3.png", "validation.md"), files);
        try (var s = Files.list(dir)) {
            assertEquals(3, s.count(), "no temp files left behind");
        }
        JsonNode j = new ObjectMapper().readTree(dir.resolve(files.get(0)).toFile());
        assertEquals(14, j.get("metadata").get("layer").asInt());
        assertEquals(13, j.get("metadata").get("block").asInt());
        JsonNode g = j.get("general_features").get(0);
        assertEquals("\u25cb MEDIUM", g.get("classification").asText());
        assertEquals("\u2713 HIGH", j.get("general_features").get(1).get("classification").asText());
        assertEquals(-0.18, g.get("ablation").get("accuracy_delta_ci").get(0).asDouble());
        assertEquals("\u25cb MINIMAL", j.get("specialized_features").get(0).get("classification").asText());
        assertEquals("addition", j.get("specialized_features").get(0).get("description").asText());
        JsonNode o = j.get("operation_level").get(0);
        assertTrue(o.get("accuracy_delta_with").isNull() && o.get("difference_ci").isNull(), o.toString());
        assertTrue(o.get("feasibility").get("min_detectable_accuracy_change").isNull(), "infinite MDE is written as null");
        var img = ImageIO.read(dir.resolve(files.get(1)).toFile());
        assertEquals(900, img.getWidth());
        assertEquals(960, img.getHeight());
        String md = Files.readString(dir.resolve("validation.md"));
        assertTrue(md.contains("-0.100 [-0.180, -0.030]"), md);
        assertTrue(md.contains("| 332 | addition | 0 / 100 | n/a |"), md);
    }

    @Test
    void noPngWithoutAblations() {
        ValidationResult r = result();
        ValidationResult none = new ValidationResult(r.config(), r.numSamples(), r.date(), r.sanity(), 0, 0, List.of(), List.of(), List.of(),
                List.of(), List.of(), r.provenance());
        assertEquals(List.of("validation_results_layer14_pos3.json", "validation.md"), ValidationReportWriter.write(dir, none, true));
    }
}
