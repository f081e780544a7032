package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.data.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecializedTargetTest {
    @TempDir
    Path dir;

    @Test
    void readsTheReferenceAnalysisFile() throws Exception {
        Path ref = SharedData.require("reference/seed/activation_analysis_layer14_pos3_rank50-200.json");
        List<SpecializedTarget> t = SpecializedTarget.read(ref, 14, 3);
        assertEquals(List.of(new SpecializedTarget(156, "operation-specialized", "multiplication")), t);
        assertEquals(Optional.of(Operation.MULTIPLICATION), t.get(0).operation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpecializedTarget.read(ref, 13, 3));
        assertTrue(e.getMessage().contains("analyses layer 14 position 3 but validation is at layer 13 position 3"), e.getMessage());
    }

    @Test
    void onlySingleOperationLabelsGiveAnOperation() {
        assertEquals(Optional.empty(), new SpecializedTarget(1, "highly-specialized", "addition + number 100").operation());
        assertEquals(Optional.empty(), new SpecializedTarget(1, "operation-specialized", "addition, subtraction").operation());
        assertEquals(Optional.of(Operation.SUBTRACTION), new SpecializedTarget(1, "operation-specialized", "subtraction").operation());
    }

    @Test
    void malformedFilesAreRejectedWithTheField() throws Exception {
        Path noList = dir.resolve("a.json");
        Files.writeString(noList, "{\"metadata\": {}, \"all_features\": []}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SpecializedTarget.read(noList, 0, 0)).getMessage()
                .contains("expected an array field specialized_features but found none"));
        Path badId = dir.resolve("b.json");
        Files.writeString(badId, "{\"specialized_features\": [{\"feature_id\": \"x\"}]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SpecializedTarget.read(badId, 0, 0)).getMessage()
                .contains("specialized_features[0].feature_id"));
        Path notJson = dir.resolve("c.json");
        Files.writeString(notJson, "{oops");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SpecializedTarget.read(notJson, 0, 0)).getMessage()
                .contains("expected JSON"));
    }
}
