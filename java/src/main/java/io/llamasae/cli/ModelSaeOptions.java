package io.llamasae.cli;

import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeHook;
import io.llamasae.sae.SaeLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** Model, SAE and layer options shared by analyze, intervene and validate ({@code @Mixin}). */
public final class ModelSaeOptions {
    // --model, --sae and --layer are required (require()) except by analyze --codes, which reads stored codes
    @Option(names = "--model", description = "GGUF model file")
    Path model;

    @Option(names = "--sae", description = "SAE directory or .safetensors file")
    Path sae;

    @Option(names = "--sae-format", converter = Converters.SaeFormatName.class,
            description = "saelens, sparsify, reference or dictionary_learning (default: detected; needed when a folder holds several)")
    SaeFormat saeFormat;

    @Option(names = "--k", converter = Converters.Positive.class, description = "Top-K of the SAE (default: from its config)")
    Integer k;

    @Option(names = "--layer", description = "Layer the SAE belongs to (see --layer-convention)")
    Integer layer;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", converter = Converters.Convention.class,
            description = "llama.cpp (block index, default) or hf (hidden_states)")
    LayerConvention convention;

    @Option(names = "--allow-layer-mismatch",
            description = "Attach the SAE at --layer even when its cfg.json says it was trained at another layer")
    boolean allowLayerMismatch;

    /** Fails with a one-line message (exit code 2) naming the missing options among --model, --sae and --layer. */
    void require() {
        java.util.List<String> missing = new java.util.ArrayList<>();
        if (model == null) missing.add("'--model=<model>'");
        if (sae == null) missing.add("'--sae=<sae>'");
        if (layer == null) missing.add("'--layer=<layer>'");
        if (!missing.isEmpty()) throw new IllegalArgumentException("Missing required option" + (missing.size() > 1 ? "s: " : ": ")
                + String.join(", ", missing));
    }

    /** Loads the SAE (format detected unless --sae-format; k from its config unless --k). */
    Sae loadSae() throws IOException {
        return SaeLoader.load(sae, Optional.ofNullable(saeFormat), k == null ? OptionalInt.empty() : OptionalInt.of(k));
    }

    LayerConvention layerConvention() {
        return convention;
    }

    /**
     * Checks --layer without the model (not negative, not HF layer 0) and refuses a layer other
     * than the one the SAE was trained at (unless --allow-layer-mismatch).
     */
    void checkSaeLayer() throws IOException {
        InterveneCommand.checkLayer(layer, convention);
        int block = convention == LayerConvention.HF ? layer - 1 : layer;
        SaeHook.checkAttachedAt(sae, block, allowLayerMismatch, "--layer " + layer + " (" + convention.label() + ")");
    }
}
