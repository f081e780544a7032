package io.llamasae.spark;

import io.llamasae.scaleout.Device;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a Spark task runs its engine on: the GPU Spark's resource scheduler assigned to the task
 * ({@code TaskContext.resources().get("gpu")}), never an implicit "device 0", or the CPU with the task's cores.
 *
 * <p>Rules, by {@code --backend}:
 * <ul>
 *   <li>a GPU assigned, backend {@code cuda} or {@code auto}: that GPU (its address is the CUDA ordinal the discovery
 *       script reported; see {@code spark/bin/discover-gpus.sh}); the engine must have a CUDA path;</li>
 *   <li>a GPU assigned, backend {@code cpu}: the CPU (the user asked for it; the GPU stays idle);</li>
 *   <li>no GPU assigned: the CPU, except backend {@code cuda}, which is then a configuration error.</li>
 * </ul>
 * One task binds one GPU (one engine per GPU): a task assigned several is refused. Fractional task amounts
 * ({@code spark.task.resource.gpu.amount=0.5}) let tasks share a GPU; each concurrent task then opens its own engine.
 */
public final class GpuBinding {
    /** Spark's resource name for GPUs. */
    public static final String GPU = "gpu";

    private GpuBinding() {}

    /**
     * @param resources      the task's resources ({@code TaskContext.resources()}, as a Java map)
     * @param backend        cpu, cuda or auto
     * @param cpus           the task's cores ({@code TaskContext.cpus()}): llama.cpp's threads
     * @param engineHasCuda  whether the engine can run on a GPU (asked only when a GPU is assigned)
     */
    public static Device forTask(Map<String, ResourceInformation> resources, String backend, int cpus, BooleanSupplier engineHasCuda) {
        if (cpus < 1) {
            throw new IllegalArgumentException("spark.task.cpus: expected >= 1 but found " + cpus);
        }
        ResourceInformation gpu = resources.get(GPU);
        String[] addresses = gpu == null ? new String[0] : gpu.addresses();
        switch (backend) {
            case "cpu":
                return Device.cpu(cpus);
            case "cuda":
            case "auto":
                break;
            default:
                throw new IllegalArgumentException("--backend: expected cpu, cuda or auto but found '" + backend + "'");
        }
        if (addresses.length == 0) {
            if (backend.equals("cuda")) {
                throw new IllegalArgumentException("--backend cuda: Spark assigned this task no GPU (set spark.executor.resource.gpu.amount, "
                        + "spark.task.resource.gpu.amount and spark.executor.resource.gpu.discoveryScript, see the README)");
            }
            return Device.cpu(cpus);
        }
        if (addresses.length > 1) {
            throw new IllegalArgumentException("spark.task.resource.gpu.amount: expected at most 1 GPU per task (one engine per GPU) but the "
                    + "task was assigned " + Arrays.toString(addresses));
        }
        int index;
        try {
            index = Integer.parseInt(addresses[0].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GPU address '" + addresses[0] + "': expected a CUDA ordinal (an integer, as "
                    + "spark/bin/discover-gpus.sh reports) but found something else");
        }
        if (index < 0) {
            throw new IllegalArgumentException("GPU address '" + addresses[0] + "': expected a CUDA ordinal >= 0");
        }
        if (!engineHasCuda.getAsBoolean()) {
            throw new IllegalArgumentException("Spark assigned GPU " + index + " to this task but the engine has no CUDA path here "
                    + "(build with -Dllama.sae.cuda=ON) or sees no device; use --backend cpu to ignore the GPU");
        }
        return Device.gpu(index, cpus);
    }
}
