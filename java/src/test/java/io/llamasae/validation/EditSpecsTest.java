package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.engine.Edit;
import java.util.List;
import org.junit.jupiter.api.Test;

class EditSpecsTest {
    static List<EditSpecs.EditSpec> parse(List<String> ablate, List<String> scale, List<String> clamp, List<String> steer, List<String> swap) {
        return EditSpecs.parse(ablate, scale, clamp, steer, swap, 14, 512);
    }

    @Test
    void repeatedOptionsCombineInAFixedOrder() {
        List<Edit> edits = EditSpecs.toEdits(parse(List.of("449", "168@14"), List.of("332=5"), List.of("7=-1.5"), List.of("3=0.25"),
                List.of("332:194")), 13);
        assertEquals(List.of(Edit.ablate(13, 449), Edit.ablate(13, 168), Edit.scale(13, 332, 5f), Edit.clamp(13, 7, -1.5f),
                Edit.steer(13, 3, 0.25f), Edit.swap(13, 332, 194)), edits);
    }

    @Test
    void badSpecsFailWithOneLineMessages() {
        assertMessage(() -> parse(List.of("512"), null, null, null, null), "expected a latent in 0..511 (the SAE has 512 latents) but found latent 512");
        assertMessage(() -> parse(List.of("-1"), null, null, null, null), "expected a latent id");
        assertMessage(() -> parse(List.of("x"), null, null, null, null), "expected a latent id");
        assertMessage(() -> parse(null, List.of("3=NaN"), null, null, null), "expected a finite number but found 'NaN'");
        assertMessage(() -> parse(null, List.of("3=1e60"), null, null, null), "expected a finite number");
        assertMessage(() -> parse(null, List.of("3"), null, null, null), "expected F=K but found '3'");
        assertMessage(() -> parse(null, List.of("3=2=4"), null, null, null), "expected F=K");
        assertMessage(() -> parse(null, null, List.of("3=abc"), null, null), "expected a number after '='");
        assertMessage(() -> parse(null, null, null, null, List.of("3-4")), "expected A:B");
        assertMessage(() -> parse(null, null, null, null, List.of("3:4:5")), "expected A:B");
        assertMessage(() -> parse(null, null, null, null, List.of("3:999")), "but found latent 999");
        assertMessage(() -> parse(List.of("5@3"), null, null, null, null), "layer 3 has no SAE (the SAE is attached at layer 14)");
        assertMessage(() -> parse(List.of("5@x"), null, null, null, null), "expected an integer layer after '@'");
    }

    static void assertMessage(Runnable r, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
