package io.llamasae.cli;

import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.Activation;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.train.BDecInit;
import io.llamasae.sae.train.SafetensorsActivations;
import io.llamasae.sae.train.TopKSaeTrainer;
import io.llamasae.sae.train.TrainConfig;
import io.llamasae.sae.train.TrainResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llama-sae train}: trains Top-K SAEs on one activation tensor {@code layer{L}.pos{P}} of a
 * safetensors file, streamed in chunks. Lists for --k and --latents train the grid K × F from one
 * pass over the data, one subfolder {@code k{K}-f{F}} per model plus {@code grid.json}; a single
 * pair writes into --out directly. Each model folder holds SAELens files and metrics.json.
 * Exit codes: 0 success, 2 bad input (one-line message naming the file and field).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train Top-K SAEs (AuxK loss) on captured activations; K x latents grid from one pass.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--activations", required = true, paramLabel = "A", description = "activations safetensors file")
    Path activations;

    @Option(names = "--layer", required = true, paramLabel = "L", description = "layer index of tensor layer{L}.pos{P}")
    int layer;

    @Option(names = "--position", required = true, paramLabel = "P", description = "position of tensor layer{L}.pos{P}")
    int position;

    @Option(names = "--k", required = true, split = ",", paramLabel = "K", converter = Converters.Positive.class, description = "active latents per row (list = grid)")
    List<Integer> ks;

    @Option(names = "--latents", required = true, split = ",", paramLabel = "F", converter = Converters.Positive.class, description = "dictionary size (list = grid)")
    List<Integer> latents;

    @Option(names = "--epochs", description = "passes over the data (default: ${DEFAULT-VALUE})", defaultValue = "10",
            converter = Converters.Positive.class)
    int epochs;

    @Option(names = "--lr", converter = Converters.PositiveDouble.class, description = "Adam learning rate (default: 2e-4/sqrt(F/16384))")
    Double lr;

    @Option(names = "--batch", description = "rows per step (default: ${DEFAULT-VALUE})", defaultValue = "128",
            converter = Converters.Positive.class)
    int batch;

    @Option(names = "--aux-k-coef", description = "AuxK loss coefficient, 0 disables (default: ${DEFAULT-VALUE})",
            defaultValue = "0.03125", converter = Converters.NonNegativeDouble.class)
    double auxKCoef;

    @Option(names = "--aux-k", description = "dead latents per row in AuxK (default: d/2)", defaultValue = "0",
            converter = Converters.NonNegative.class)
    int auxK;

    @Option(names = "--dead-tokens", description = "tokens without firing before a latent counts dead "
            + "(default: min(1e7, N))", defaultValue = "0", converter = Converters.NonNegativeLong.class)
    long deadTokens;

    @Option(names = "--activation", description = "topk-relu or topk-abs (default: ${DEFAULT-VALUE})",
            defaultValue = "topk-relu", converter = Converters.ActivationName.class)
    Activation activation;

    @Option(names = "--bdec-init", description = "mean or geometric_median, any case (default: ${DEFAULT-VALUE})",
            defaultValue = "GEOMETRIC_MEDIAN")
    BDecInit bDecInit;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})", defaultValue = "0")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        PrintWriter outw = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        try {
            List<TrainConfig> configs = new ArrayList<>();
            List<String> dirs = new ArrayList<>();
            Activation act = activation;
            for (int f : latents) {
                for (int k : ks) {
                    TrainConfig.Builder b = TrainConfig.builder().k(k).latents(f).activation(act).epochs(epochs)
                            .batchSize(batch).auxKCoef(auxKCoef).auxK(auxK).deadTokens(deadTokens).seed(seed)
                            .bDecInit(bDecInit);
                    if (lr != null) {
                        b.lr(lr);
                    }
                    configs.add(b.build());
                    dirs.add("k" + k + "-f" + f);
                }
            }
            String tensor = SafetensorsActivations.tensorName(layer, position);
            try (SafetensorsReader reader = SafetensorsReader.open(activations)) {
                if (!reader.has(tensor)) {
                    throw new IllegalArgumentException(activations + ": tensor '" + tensor + "': expected present "
                            + "(from --layer/--position) but found only " + reader.tensors().keySet());
                }
                SafetensorsActivations src = new SafetensorsActivations(reader, tensor);
                List<TrainResult> results = TopKSaeTrainer.trainGrid(src, configs, outw::println);
                Map<String, Object> extra = new LinkedHashMap<>();
                // The SAE records the llama.cpp block it reads (TransformerLens/SAELens naming), so it
                // can be refused when attached at another layer; --layer is in the file's convention.
                LayerConvention conv = LayerConvention.parse(reader.metadata().getOrDefault("layer_convention", "llama.cpp"));
                int block = conv == LayerConvention.HF ? layer - 1 : layer;
                extra.put("hook_name", "blocks." + block + ".hook_resid_post");
                extra.put("hook_layer", block);
                extra.put("hook_position", position);
                extra.put("activations", activations.toString());
                extra.put("activations_tensor", tensor);
                extra.put("activations_metadata", reader.metadata());
                boolean grid = results.size() > 1;
                for (int i = 0; i < results.size(); i++) {
                    Path dir = grid ? out.resolve(dirs.get(i)) : out;
                    TopKSaeTrainer.writeResult(results.get(i), dir, extra);
                    var m = results.get(i).finalMetrics();
                    outw.printf("%s: k=%d F=%d EV=%.4f MSE=%.5g L0=%.1f dead=%.3f%n", dir,
                            results.get(i).config().k(), results.get(i).config().latents(), m.explainedVariance(),
                            m.mse(), m.l0(), m.deadFraction());
                }
                if (grid) {
                    TopKSaeTrainer.writeGridSummary(results, dirs, out.resolve("grid.json"));
                }
            }
            outw.flush();
            return 0;
        } catch (IOException | IllegalArgumentException | UncheckedIOException | ArithmeticException e) {
            err.println("llama-sae train: " + CliErrors.oneLine(e.getMessage()));
            err.flush();
            return 2;
        }
    }
}
