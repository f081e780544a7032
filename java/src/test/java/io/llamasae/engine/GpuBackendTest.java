package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llamasae.SharedData;
import io.llamasae.sae.Activation;
import io.llamasae.sae.SparseCodes;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The GPU path from Java: capture and in-hook codes on llama.cpp's CUDA backend equal the CPU
 * kernel on the same rows (skipped without a CUDA build and device; the native
 * test_engine_cuda covers the same ground where no JVM is available).
 */
class GpuBackendTest {
    @Test
    void gpuCodesEqualTheCpuKernelOnTheSameRows() {
        SharedData.requireNatives();
        assumeTrue(NativeLibrary.hasCuda(), "skipped: no CUDA device (or the engine was built without -Dllama.sae.cuda=ON)");
        try (Model gpu = Model.load(SharedData.tinyModel(), -1); Engine e = Engine.open(gpu, EngineOptions.defaults().withCtx(256));
             NativeSae sae = NativeSae.of(NativeSaeTest.randomSae(8, 64, 8, Activation.TOPK_RELU, 3))) {
            e.setCapture(CaptureSpec.allPositions(List.of(0)));
            e.attachSae(0, sae, 0);
            RunResult r = e.run(List.of(gpu.tokenize("20*3=60 | 60+5=65", true), gpu.tokenize("How many apples?", true)));
            int rows = (int) r.nRows();
            float[] x = EngineOnSharedModelTest.copy(r.rows(0));
            SparseCodes cpu = sae.encode(x, rows, 0, 1);
            int[] idx = new int[rows * 8];
            r.codes(0).indices().get(idx);
            assertArrayEquals(cpu.indices(), idx);
            assertEquals(rows * 8, idx.length);
            assertTrue(GpuDevices.discover().devices().size() > 0, "the presets see the device the engine uses");
        }
    }

    /**
     * What discovery reports decides the backend the CLI picks: an engine with a CUDA path sees a
     * device the presets see too; without one, auto falls back to the CPU (0 GPU layers) with a
     * logged reason, and an explicit cuda request is refused with a message naming --backend.
     */
    @Test
    void discoveryAgreesWithTheBackendChoice() {
        SharedData.requireNatives();
        GpuDevices.Discovery d = GpuDevices.discover();
        if (d.devices().isEmpty()) {
            assertFalse(d.whyNone().isBlank(), "no device must come with a reason");
        } else {
            for (GpuDevices.Device dev : d.devices()) {
                assertTrue(dev.memoryBytes() > 0 && dev.major() >= 3, "a real device: " + dev);
            }
        }
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, GpuDevices.gpuLayersFor("cpu", ps));
        assertEquals(0, GpuDevices.gpuLayersFor("CPU", ps), "backend names are case-insensitive");
        if (NativeLibrary.hasCuda()) {
            assertFalse(d.devices().isEmpty(), "the engine runs on a CUDA device the presets must see: " + d.whyNone());
            assertEquals(-1, GpuDevices.gpuLayersFor("auto", ps));
            assertEquals(-1, GpuDevices.gpuLayersFor("cuda", ps));
        } else {
            assertEquals(0, GpuDevices.gpuLayersFor("auto", ps));
            assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("running on the CPU"), "auto logs why: " + log);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuDevices.gpuLayersFor("cuda", ps));
            assertTrue(e.getMessage().startsWith("--backend cuda"), e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> GpuDevices.gpuLayersFor("tpu", ps));
        assertTrue(bad.getMessage().contains("--backend") && bad.getMessage().contains("'tpu'"), bad.getMessage());
    }
}
