package io.llamasae.cli;

import io.llamasae.engine.EngineOptions;
import picocli.CommandLine.Option;

/** Engine options shared by the commands that run the model ({@code @Mixin}). */
public final class RunOptions {
    @Option(names = "--batch", defaultValue = "16", description = "Prompts per engine run (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0 = all cores)")
    int threads;

    @Option(names = "--ctx", defaultValue = "0", description = "Longest prompt in tokens (0 = min(train ctx, 4096))")
    int ctx;

    @Option(names = "--backend", defaultValue = "auto",
            description = "cpu, cuda or auto (default: CUDA when the engine was built with it and a device is present)")
    String backend;

    /** Layers to offload to the GPU for --backend (logs why when auto falls back to the CPU). */
    int gpuLayers() {
        return io.llamasae.engine.GpuDevices.gpuLayersFor(backend, System.err);
    }

    EngineOptions engineOptions() {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
        return EngineOptions.defaults().withCtx(ctx).withSeqMax(Math.min(batch, 256)).withThreads(threads);
    }
}
