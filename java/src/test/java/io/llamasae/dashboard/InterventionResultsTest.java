package io.llamasae.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feature's entries are cut out of a validation_results file; other files are refused by name. */
class InterventionResultsTest {
    @TempDir
    Path dir;

    @Test
    void picksTheFeaturesEntriesOnly() throws Exception {
        Path f = Files.writeString(dir.resolve("validation_results_layer1_pos-1.json"), """
                {"metadata": {"layer": 1, "position": -1, "validation_date": "2026-11-30"},
                 "general_features": [{"rank": 1, "feature_id": 3, "mean_impact": 0.5, "classification": "HIGH",
                                       "ablation": {"clean_accuracy": 0.5, "edited_accuracy": 0.25}},
                                      {"rank": 2, "feature_id": 4, "mean_impact": 0.1, "classification": "LOW"}],
                 "specialized_features": [],
                 "amplifications": [{"label": "3 x2", "features": [3]}, {"label": "4 x2", "features": [4]}],
                 "swaps": [{"label": "3<->9", "features": [3, 9]}],
                 "operation_level": [{"feature_id": 9, "operation": "addition"}]}
                """);
        InterventionResults r = InterventionResults.read(f);
        ObjectNode three = r.forFeature(3);
        assertEquals(0.5, three.get("general").get("mean_impact").asDouble());
        assertEquals(0.25, three.get("general").get("ablation").get("edited_accuracy").asDouble());
        assertEquals(2, three.get("conditions").size(), "its amplification and its swap");
        assertTrue(three.get("source").asText().contains("2026-11-30"));
        assertEquals(1, r.forFeature(9).get("conditions").size());
        assertEquals("addition", r.forFeature(9).get("operation_level").get(0).get("operation").asText());
        assertNull(r.forFeature(5), "a feature the validation never touched has no entry");
    }

    @Test
    void otherFilesAreRefusedNamingTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("activation_analysis.json"), "{\"metadata\": {}, \"all_features\": []}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterventionResults.read(f));
        assertTrue(e.getMessage().contains("activation_analysis.json") && e.getMessage().contains("general_features"), e.getMessage());
    }
}
