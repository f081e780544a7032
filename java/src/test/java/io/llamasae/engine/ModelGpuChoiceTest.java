package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import org.junit.jupiter.api.Test;

/** main_gpu (a scheduler's GPU assignment) is checked before llama.cpp sees it, and is ignored on the CPU. */
class ModelGpuChoiceTest {
    @Test
    void aGpuIndexNoDeviceHasIsRefusedWithItsName() {
        SharedData.requireNatives();
        LlamaSaeException e = assertThrows(LlamaSaeException.class, () -> Model.load(SharedData.tinyModel(), -1, 1000));
        assertTrue(e.getMessage().contains("main_gpu") && e.getMessage().contains("1000"), e.getMessage());
        try (Model m = Model.load(SharedData.tinyModel(), 0, 1000)) {   // no layer offloaded: the GPU choice does not apply
            assertEquals(SharedData.tinyModel(), m.path());
        }
    }
}
