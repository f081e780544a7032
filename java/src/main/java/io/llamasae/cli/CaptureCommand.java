package io.llamasae.cli;

import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Capture;
import io.llamasae.engine.Engine;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import java.util.Optional;
import java.util.OptionalInt;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama-sae capture}: residual-stream activations of a dataset into a safetensors file. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture residual-stream activations at chosen layers and positions into safetensors.")
public final class CaptureCommand implements Callable<Integer> {
    @Mixin
    DatasetOptions data;

    @Mixin
    RunOptions run;

    @Option(names = "--model", required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--layers", required = true, description = "Layers, e.g. 0,3,14 or all")
    String layers;

    @Option(names = "--positions", required = true, description = "Token positions: 3, -1 (last), 0,-1 or all")
    String positions;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp",
            description = "llama.cpp (block index, default) or hf (Hugging Face hidden_states: hf L = block L-1)")
    String convention;

    @Option(names = "--out", required = true, description = "Output .safetensors file (written atomically)")
    Path out;

    @Option(names = "--sae", description = "SAE to encode the captured layer with inside the forward pass (one layer only)")
    Path sae;

    @Option(names = "--codes-out", description = "Where the SAE codes go (with --sae)")
    Path codesOut;

    @Option(names = "--resume", description = "Checkpoint after every batch in <out>.partial/ and continue an interrupted run from there")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        List<Sample> samples = data.read();
        LayerConvention conv = LayerConvention.parse(convention);
        Sae saeWeights = sae == null ? null : SaeLoader.load(sae, Optional.empty(), OptionalInt.empty());
        if (saeWeights != null && codesOut == null) throw new IllegalArgumentException("--sae needs --codes-out");
        try (Model m = Model.load(model, run.gpuLayers());
             NativeSae ns = saeWeights == null ? null : NativeSae.of(saeWeights);
             Engine e = Engine.open(m, run.engineOptions())) {
            CaptureSpec spec = CaptureSpec.parse(layers, positions, conv, m.info().nLayer());
            List<String> ids = samples.stream().map(Sample::id).toList();
            List<String> prompts = samples.stream().map(Sample::prompt).toList();
            Capture.Summary s;
            try (ProgressBar bar = Progress.bar("capture", samples.size())) {
                s = Capture.toSafetensors(e, ids, prompts, spec, conv, out, run.batch, bar::stepTo, ns, codesOut, resume);
            }
            System.out.printf("wrote %s: %d samples, %d rows per tensor, tensors %s%n", s.file(), s.samples(), s.rowsPerTensor(),
                    s.tensors());
        }
        return 0;
    }
}
