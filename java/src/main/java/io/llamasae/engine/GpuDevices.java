package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;

/**
 * CUDA devices as the JavaCPP Presets for CUDA see them, and the backend choice that follows.
 * Loading the presets needs an NVIDIA driver (libcuda) and the CUDA runtime; without them this
 * reports "no CUDA device" with the reason instead of failing.
 */
public final class GpuDevices {
    private GpuDevices() {}

    /** One device. */
    public record Device(int index, String name, long memoryBytes, int major, int minor) {
        public String computeCapability() {
            return major + "." + minor;
        }
    }

    /** The devices, or an empty list with {@link #whyNone()} telling why. */
    public record Discovery(List<Device> devices, String whyNone) {}

    public static Discovery discover() {
        try {
            Loader.load(cudart.class);
            int[] count = new int[1];
            int st = cudart.cudaGetDeviceCount(count);
            if (st != 0 || count[0] == 0) return new Discovery(List.of(), "cudaGetDeviceCount returned " + st + " with " + count[0] + " devices");
            List<Device> out = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                try (cudaDeviceProp p = new cudaDeviceProp()) {
                    if (cudart.cudaGetDeviceProperties(p, i) == 0) {
                        out.add(new Device(i, p.name().getString(), p.totalGlobalMem(), p.major(), p.minor()));
                    }
                }
            }
            return new Discovery(out, out.isEmpty() ? "no device answered cudaGetDeviceProperties" : "");
        } catch (Throwable t) {  // UnsatisfiedLinkError without a driver: that means "no GPU here"
            return new Discovery(List.of(), "CUDA runtime not loadable (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")");
        }
    }

    /**
     * Layers to offload for a requested backend: "cpu" → 0; "cuda" → all (-1), or an
     * IllegalArgumentException when the engine has no CUDA path; "auto" → all when the engine was
     * built with CUDA and a device answers, else 0 with the reason logged to {@code log}.
     */
    public static int gpuLayersFor(String backend, java.io.PrintStream log) {
        boolean engineCuda = NativeLibrary.hasCuda();
        switch (backend.toLowerCase()) {
            case "cpu":
                return 0;
            case "cuda":
                if (!engineCuda) {
                    throw new IllegalArgumentException("--backend cuda: this build has no CUDA path (build with -Dllama.sae.cuda=ON "
                            + "on a machine with the CUDA toolkit and cuBLAS) or no CUDA device is present");
                }
                return -1;
            case "auto":
                if (engineCuda) return -1;
                if (log != null) log.println("llama-sae: running on the CPU: " + (NativeLibrary.builtWithCuda()
                        ? "no CUDA device found" : "the engine was built without CUDA (-Dllama.sae.cuda=ON enables it)"));
                return 0;
            default:
                throw new IllegalArgumentException("--backend: expected cpu, cuda or auto but found '" + backend + "'");
        }
    }
}
