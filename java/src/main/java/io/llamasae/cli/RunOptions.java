package io.llamasae.cli;

import io.llamasae.engine.EngineOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    /** Prompts generated together when --batch is not given: one KV cache per sequence makes large batches cheap. */
    static final int DEFAULT_GENERATION_BATCH = 128;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Prompts per generate call: --batch when given, else {@link #DEFAULT_GENERATION_BATCH}. */
    int generationBatch() {
        boolean given = mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--batch");
        return given ? batch : DEFAULT_GENERATION_BATCH;
    }

    /**
     * An engine for batched generation: one KV cache per sequence ({@link EngineOptions#kvPerSequence()}),
     * {@link #generationBatch()} sequences, each holding --ctx tokens or, when --ctx is 0, the longest
     * prompt plus {@code maxTokens}.
     */
    EngineOptions generationEngineOptions(int longestPrompt, int maxTokens) {
        int n = generationBatch();
        if (n < 1 || n > 256) throw new IllegalArgumentException("--batch: expected 1..256 but found " + n);
        return EngineOptions.defaults().withKvPerSequence(true).withCtx(ctx > 0 ? ctx : longestPrompt + maxTokens).withSeqMax(n)
                .withThreads(threads);
    }
}
