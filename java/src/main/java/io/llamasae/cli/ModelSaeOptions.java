package io.llamasae.cli;

import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** Model, SAE and layer options shared by analyze, intervene and validate ({@code @Mixin}). */
public final class ModelSaeOptions {
    @Option(names = "--model", required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--sae", required = true, description = "SAE directory or .safetensors file")
    Path sae;

    @Option(names = "--sae-format", description = "saelens, sparsify, reference, dictionary_learning (default: detected)")
    String saeFormat;

    @Option(names = "--k", description = "Top-K of the SAE (default: from its config)")
    Integer k;

    @Option(names = "--layer", required = true, description = "Layer the SAE belongs to (see --layer-convention)")
    int layer;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", description = "llama.cpp (block index, default) or hf (hidden_states)")
    String convention;

    /** Loads the SAE (format detected unless --sae-format; k from its config unless --k). */
    Sae loadSae() throws IOException {
        return SaeLoader.load(sae, saeFormat == null ? Optional.empty() : Optional.of(SaeFormat.parse(saeFormat)),
                k == null ? OptionalInt.empty() : OptionalInt.of(k));
    }

    LayerConvention layerConvention() {
        return LayerConvention.parse(convention);
    }
}
