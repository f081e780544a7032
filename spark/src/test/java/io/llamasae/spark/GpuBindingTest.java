package io.llamasae.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.scaleout.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The task's device comes from the resource map Spark hands the task (faked here: no GPU needed). */
class GpuBindingTest {
    private static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of("gpu", new ResourceInformation("gpu", addresses));
    }

    @Test
    void theAssignedGpuIsUsedNeverDeviceZero() {
        Device d = GpuBinding.forTask(gpus("3"), "auto", 4, () -> true);
        assertTrue(d.isGpu());
        assertEquals(3, d.gpu());
        assertEquals(4, d.threads());
        assertEquals(5, GpuBinding.forTask(gpus(" 5 "), "cuda", 1, () -> true).gpu());
        // other resources beside the GPU do not matter
        assertEquals(2, GpuBinding.forTask(Map.of("gpu", new ResourceInformation("gpu", new String[] {"2"}),
                "fpga", new ResourceInformation("fpga", new String[] {"0"})), "auto", 1, () -> true).gpu());
    }

    @Test
    void withoutAGpuTheTaskRunsOnItsCpuCores() {
        Device d = GpuBinding.forTask(Map.of(), "auto", 2, () -> { throw new AssertionError("CUDA is not asked without a GPU"); });
        assertFalse(d.isGpu());
        assertEquals(2, d.threads());
        assertFalse(GpuBinding.forTask(gpus(), "auto", 1, () -> true).isGpu());   // a resource entry with no address
        assertFalse(GpuBinding.forTask(gpus("1"), "cpu", 1, () -> true).isGpu()); // --backend cpu ignores the GPU
    }

    @Test
    void misconfigurationsAreOneLineErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(Map.of(), "cuda", 1, () -> true));
        assertTrue(e.getMessage().contains("spark.task.resource.gpu.amount"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(gpus("0", "1"), "auto", 1, () -> true));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(gpus("MIG-1234"), "auto", 1, () -> true));
        assertTrue(e.getMessage().contains("MIG-1234"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(gpus("2"), "auto", 1, () -> false));
        assertTrue(e.getMessage().contains("GPU 2") && e.getMessage().contains("no CUDA"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(Map.of(), "tpu", 1, () -> true));
        assertThrows(IllegalArgumentException.class, () -> GpuBinding.forTask(Map.of(), "auto", 0, () -> true));
    }
}
