package io.llamasae.cli;

import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.ModelInfo;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Engine options shared by the commands that run the model ({@code @Mixin}). */
public final class RunOptions {
    @Option(names = "--batch", defaultValue = "16", converter = Converters.Positive.class,
            description = "Prompts per engine run (default ${DEFAULT-VALUE}; at most 256 share one decode call)")
    int batch;

    @Option(names = "--threads", defaultValue = "0", converter = Threads.class, description = "CPU threads, 0..512 (0 = all cores)")
    int threads;

    @Option(names = "--ctx", defaultValue = "0", converter = Ctx.class,
            description = "Tokens of one decode call, 0..262144: the longest prompt, or all prompts plus new tokens when generating "
                    + "(0 = min(training context, 4096); more than the training context warns)")
    int ctx;

    @Option(names = "--backend", defaultValue = "auto",
            description = "cpu, cuda or auto (default: CUDA when the engine was built with it and a device is present)")
    String backend;

    @Option(names = "--parse-special",
            description = "Tokenize special-token text in prompts (<|begin_of_text|>, chat-template markers) as the special tokens "
                    + "instead of plain text; use it for prompts written in an instruct model's chat template")
    boolean parseSpecial;

    /** --threads: ggml supports at most 512 threads (GGML_MAX_N_THREADS). */
    static final class Threads implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = Converters.Int.atLeast(s, 0);
            if (v > 512) throw new picocli.CommandLine.TypeConversionException("expected 0..512 threads but found '" + s + "'");
            return v;
        }
    }

    /** --ctx: one decode call of n_ctx tokens also sizes llama.cpp's compute buffers (attention grows with n_ctx^2). */
    static final class Ctx implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = Converters.Int.atLeast(s, 0);
            if (v > EngineOptions.MAX_CTX) {
                throw new picocli.CommandLine.TypeConversionException("expected 0.." + EngineOptions.MAX_CTX + " tokens but found '" + s + "'");
            }
            return v;
        }
    }

    /** Layers to offload to the GPU for --backend (logs why when auto falls back to the CPU). */
    int gpuLayers() {
        return io.llamasae.engine.GpuDevices.gpuLayersFor(backend, System.err);
    }

    EngineOptions engineOptions() {
        return EngineOptions.defaults().withCtx(ctx).withSeqMax(Math.min(batch, 256)).withThreads(threads);
    }

    /** Loads the model on the chosen backend, tokenizing special-token text when --parse-special is given. */
    Model loadModel(Path model) {
        return Model.load(model, gpuLayers()).parseSpecial(parseSpecial);
    }

    /** Opens an engine with these options; warns when --ctx exceeds the context the model was trained with. */
    Engine openEngine(Model m) {
        warnBeyondTrainingContext(m);
        return Engine.open(m, engineOptions());
    }

    /** Opens an engine for batched generation ({@link #generationEngineOptions}); warns like {@link #openEngine}. */
    Engine openGenerationEngine(Model m, int longestPrompt, int maxTokens) {
        warnBeyondTrainingContext(m);
        return Engine.open(m, generationEngineOptions(longestPrompt, maxTokens));
    }

    private void warnBeyondTrainingContext(Model m) {
        ModelInfo info = m.info();
        if (ctx > 0 && info.nCtxTrain() > 0 && ctx > info.nCtxTrain()) {
            System.err.println("llama-sae: warning: --ctx " + ctx + " exceeds the " + info.nCtxTrain() + " tokens " + m.path().getFileName()
                    + " was trained with; positions beyond them give activations the model never produced in training");
        }
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
        if (n > 256) throw new IllegalArgumentException("--batch: expected 1..256 prompts per generate call but found " + n);
        return EngineOptions.defaults().withKvPerSequence(true).withCtx(ctx > 0 ? ctx : longestPrompt + maxTokens).withSeqMax(n)
                .withThreads(threads);
    }
}
