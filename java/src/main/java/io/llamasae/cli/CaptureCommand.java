package io.llamasae.cli;

import io.llamasae.dashboard.DelphiCacheExport;
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

    @Option(names = "--delphi-cache", description = "Also write the SAE codes as an EleutherAI Delphi latent cache in this folder (with --sae)")
    Path delphiCache;

    @Option(names = "--delphi-splits", defaultValue = "5", description = "Latent ranges (files) of the Delphi cache (default ${DEFAULT-VALUE})")
    int delphiSplits;

    @Option(names = "--resume", description = "Checkpoint after every batch in <out>.partial/ and continue an interrupted run from there")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        List<Sample> samples = data.read();
        LayerConvention conv = LayerConvention.parse(convention);
        Sae saeWeights = sae == null ? null : SaeLoader.load(sae, Optional.empty(), OptionalInt.empty());
        if (saeWeights != null && codesOut == null) throw new IllegalArgumentException("--sae needs --codes-out");
        if (delphiCache != null && saeWeights == null) throw new IllegalArgumentException("--delphi-cache needs --sae (it holds the SAE's codes)");
        if (delphiCache != null && (delphiSplits < 1 || delphiSplits > saeWeights.numLatents())) {
            throw new IllegalArgumentException("--delphi-splits: expected 1.." + saeWeights.numLatents() + " but found " + delphiSplits);
        }
        try (Model m = Model.load(model, run.gpuLayers());
             NativeSae ns = saeWeights == null ? null : NativeSae.of(saeWeights);
             Engine e = Engine.open(m, run.engineOptions())) {
            CaptureSpec spec = CaptureSpec.parse(layers, positions, conv, m.info().nLayer());
            if (delphiCache != null) DelphiCacheExport.check(spec);
            List<String> ids = samples.stream().map(Sample::id).toList();
            List<String> prompts = samples.stream().map(Sample::prompt).toList();
            Capture.Summary s;
            try (ProgressBar bar = Progress.bar("capture", samples.size())) {
                s = Capture.toSafetensors(e, ids, prompts, spec, conv, out, run.batch, bar::stepTo, ns, codesOut, resume);
            }
            System.out.printf("wrote %s: %d samples, %d rows per tensor, tensors %s%n", s.file(), s.samples(), s.rowsPerTensor(),
                    s.tensors());
            if (delphiCache != null) {
                List<int[]> tokens = prompts.stream().map(p -> m.tokenize(p, m.info().addBos())).toList();
                List<Path> files = DelphiCacheExport.write(codesOut, out, spec, conv, tokens, saeWeights.numLatents(), delphiSplits,
                        m.info().eosToken(), m.info().description() + " (" + model.getFileName() + ")", data.file().getFileName().toString(),
                        delphiCache);
                System.out.println("Delphi cache: " + files.size() + " files in " + delphiCache.resolve(DelphiCacheExport.hookpoint(spec.layers().get(0))));
            }
        }
        return 0;
    }
}
