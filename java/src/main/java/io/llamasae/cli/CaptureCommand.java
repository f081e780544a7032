package io.llamasae.cli;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.dashboard.DelphiCacheExport;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Capture;
import io.llamasae.engine.Engine;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.LlamaSaeException;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeHook;
import io.llamasae.sae.SaeLoader;
import java.util.Optional;
import java.util.OptionalInt;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
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

    @Option(names = "--positions", required = true,
            description = {"Token positions: 3 (absolute), -1 (last), 0,-1, all, or gK = the K-th generated token (greedy), "
                    + "e.g. g2 or -1,g1,g2.",
                    "gK generates K+1 tokens for all --batch prompts in one context of --ctx tokens: with long prompts lower "
                    + "--batch or raise --ctx."})
    String positions;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", converter = Converters.Convention.class,
            description = "llama.cpp (block index, default) or hf (Hugging Face hidden_states: hf L = block L-1)")
    LayerConvention convention;

    @Option(names = "--out", required = true, description = "Output .safetensors file (written atomically)")
    Path out;

    @Option(names = "--sae", description = "SAE to encode the captured layer with inside the forward pass (one layer only)")
    Path sae;

    @Option(names = "--codes-out", description = "Where the SAE codes go (with --sae)")
    Path codesOut;

    @Option(names = "--allow-layer-mismatch",
            description = "With --sae: capture at --layers even when the SAE's cfg.json says it was trained at another layer")
    boolean allowLayerMismatch;

    @Output
    @Option(names = "--delphi-cache", description = "Also write the SAE codes as an EleutherAI Delphi latent cache in this folder (with --sae)")
    Path delphiCache;

    @Option(names = "--delphi-splits", defaultValue = "5", converter = Converters.Positive.class,
            description = "Latent ranges (files) of the Delphi cache (default ${DEFAULT-VALUE})")
    int delphiSplits;

    @Option(names = "--resume", description = "Checkpoint after every batch in <out>.partial/ and continue an interrupted run from there")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        if (sae != null && codesOut == null) throw new IllegalArgumentException("--codes-out: expected a file for the codes of --sae but found none");
        if (sae == null && codesOut != null) throw new IllegalArgumentException("--sae: expected an SAE for --codes-out but found none");
        List<Sample> samples = data.read();
        Sae saeWeights = sae == null ? null : SaeLoader.load(sae, Optional.empty(), OptionalInt.empty());
        if (delphiCache != null && saeWeights == null) throw new IllegalArgumentException("--delphi-cache: expected --sae too (the cache holds the SAE's codes) but found none");
        if (delphiCache != null && delphiSplits > saeWeights.numLatents()) {
            throw new IllegalArgumentException("--delphi-splits: expected 1.." + saeWeights.numLatents() + " but found " + delphiSplits);
        }
        try (Model m = run.loadModel(model);
             NativeSae ns = saeWeights == null ? null : NativeSae.of(saeWeights);
             Engine e = run.openEngine(m)) {
            CaptureSpec spec = CaptureSpec.parse(layers, positions, convention, m.info().nLayer());
            if (sae != null && spec.layers().size() == 1) {
                SaeHook.checkAttachedAt(sae, spec.layers().get(0), allowLayerMismatch, "--layers " + layers + " (" + convention.label() + ")");
            }
            if (delphiCache != null) DelphiCacheExport.check(spec);
            List<String> ids = samples.stream().map(Sample::id).toList();
            List<String> prompts = samples.stream().map(Sample::prompt).toList();
            Capture.Summary s;
            try (Progress bar = Progress.bar("capture", samples.size())) {
                s = Capture.toSafetensors(e, ids, prompts, spec, convention, out, run.batch, bar::stepTo, ns, codesOut, resume);
            } catch (LlamaSaeException ex) {
                if (ex.status() == LlamaSaeLib.LLAMA_SAE_ERR_CONTEXT_OVERFLOW && spec.maxGeneratedStep() > 0) {
                    throw new IllegalArgumentException("--positions " + positions + ": expected --batch prompts plus "
                            + (spec.maxGeneratedStep() + 1) + " generated tokens each to fit one context of " + e.contextSize()
                            + " tokens (lower --batch, now " + run.batch + ", or raise --ctx) but: " + ex.getMessage(), ex);
                }
                throw ex;
            }
            System.out.printf("wrote %s: %d samples, %d rows per tensor, tensors %s%n", s.file(), s.samples(), s.rowsPerTensor(),
                    s.tensors());
            if (delphiCache != null) {
                List<int[]> tokens = prompts.stream().map(p -> m.tokenize(p, m.info().addBos())).toList();
                List<Path> files = DelphiCacheExport.write(codesOut, out, spec, convention, tokens, saeWeights.numLatents(), delphiSplits,
                        m.info().eosToken(), m.info().description() + " (" + model.getFileName() + ")", data.file().getFileName().toString(),
                        delphiCache);
                System.out.println("Delphi cache: " + files.size() + " files in " + delphiCache.resolve(DelphiCacheExport.hookpoint(spec.layers().get(0))));
            }
        }
        return 0;
    }
}
