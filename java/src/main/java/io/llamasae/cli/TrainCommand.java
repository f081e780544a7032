package io.llamasae.cli;

import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.Activation;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.train.ActivationSource;
import io.llamasae.sae.train.BDecInit;
import io.llamasae.sae.train.ConcatenatedActivations;
import io.llamasae.sae.train.SafetensorsActivations;
import io.llamasae.sae.train.TopKSaeTrainer;
import io.llamasae.sae.train.TrainConfig;
import io.llamasae.sae.train.TrainResult;
import io.llamasae.sweep.HeldOutMetrics;
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

    @Option(names = "--layer", paramLabel = "L", description = "layer index of tensor layer{L}.pos{P}")
    Integer layer;

    @Option(names = "--layers", description = "several layers instead of --layer: 0,3,5 or all (every layer{L}.pos{P} in the file); "
            + "each model goes to OUT/[k{K}-f{F}/]layer{L}/, the layout sweep --saes reads")
    String layers;

    @Option(names = "--holdout", defaultValue = "0", description = "share of the rows (the last samples) left out of training and "
            + "evaluated: heldout_metrics.json (default: ${DEFAULT-VALUE}, none)")
    double holdout;

    @Option(names = "--model", description = "with --holdout: also the spliced-in evaluation (CE loss recovered, KL) of the trained SAEs "
            + "on the held-out samples' prompts, run through this GGUF model")
    Path model;

    @Option(names = "--dataset", description = "with --model: the dataset the activations were captured from (prompts by sample id)")
    Path dataset;

    @Option(names = "--ce-samples", defaultValue = "256", description = "with --model: held-out prompts evaluated (default ${DEFAULT-VALUE})")
    int ceSamples;

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

    /** The grid's folder names, k{K}-f{F}, in config order. */
    private static List<String> dirs(List<TrainConfig> configs) {
        return configs.stream().map(c -> "k" + c.k() + "-f" + c.latents()).toList();
    }

    /** --layer, or --layers (a list, or all: every layer{L}.pos{P} tensor of the file). */
    private List<Integer> layerList(SafetensorsReader reader) {
        if (layers == null) return List.of(layer);
        if (!layers.trim().equalsIgnoreCase("all")) return io.llamasae.engine.CaptureSpec.parseInts(layers, "--layers");
        List<Integer> out = new ArrayList<>();
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("layer(\\d+)\\.pos" + java.util.regex.Pattern.quote(Integer.toString(position)));
        for (String name : reader.tensors().keySet()) {
            java.util.regex.Matcher m = p.matcher(name);
            if (m.matches()) out.add(Integer.parseInt(m.group(1)));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(activations + ": expected tensors layer{L}.pos" + position + " but found none");
        return out.stream().sorted().toList();
    }

    @Override
    public Integer call() {
        PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        PrintWriter outw = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        try {
            List<TrainConfig> configs = new ArrayList<>();
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
                }
            }
            if ((layer == null) == (layers == null)) throw new IllegalArgumentException("--layer / --layers: expected exactly one of them");
            if (!(holdout >= 0 && holdout < 1)) throw new IllegalArgumentException("--holdout: expected a share in [0, 1) but found " + holdout);
            if (model != null && (holdout == 0 || dataset == null)) {
                throw new IllegalArgumentException("--model: the spliced-in evaluation runs on held-out samples: give --holdout > 0 and --dataset");
            }
            if (ceSamples < 1) throw new IllegalArgumentException("--ce-samples: expected >= 1 but found " + ceSamples);
            try (SafetensorsReader reader = SafetensorsReader.open(activations)) {
                LayerConvention conv = LayerConvention.parse(reader.metadata().getOrDefault("layer_convention", "llama.cpp"));
                List<Integer> layerList = layerList(reader);
                boolean grid = configs.size() > 1;
                List<String> gridDirs = dirs(configs);   // one folder name per grid point
                long samples = -1;
                Map<Integer, List<Path>> saved = new java.util.TreeMap<>();   // layer -> one folder per grid point
                Map<Path, io.llamasae.sae.MetricsSummary> heldOut = new LinkedHashMap<>();
                long heldRows = 0;
                for (int l : layerList) {
                    String tensor = SafetensorsActivations.tensorName(l, position);
                    if (!reader.has(tensor)) {
                        throw new IllegalArgumentException(activations + ": tensor '" + tensor + "': expected present "
                                + "(from --layer/--layers and --position) but found only " + reader.tensors().keySet());
                    }
                    SafetensorsActivations all = new SafetensorsActivations(reader, tensor);
                    samples = all.rows();
                    long held = Math.round(holdout * all.rows());
                    if (all.rows() - held < 1 || (holdout > 0 && held < 1)) {
                        throw new IllegalArgumentException("--holdout " + holdout + ": expected it to leave rows to train on and to hold out of "
                                + all.rows() + " but found " + (all.rows() - held) + " and " + held);
                    }
                    ActivationSource src = held == 0 ? all
                            : new ConcatenatedActivations(List.of(new ConcatenatedActivations.Part(all, 0, all.rows() - held)));
                    List<TrainResult> results = TopKSaeTrainer.trainGrid(src, configs, outw::println);
                    Map<String, Object> extra = new LinkedHashMap<>();
                    // The SAE records the llama.cpp block it reads (TransformerLens/SAELens naming), so it
                    // can be refused when attached at another layer; --layer is in the file's convention.
                    int block = conv == LayerConvention.HF ? l - 1 : l;
                    extra.put("hook_name", "blocks." + block + ".hook_resid_post");
                    extra.put("hook_layer", block);
                    extra.put("hook_position", position);
                    extra.put("activations", activations.toString());
                    extra.put("activations_tensor", tensor);
                    extra.put("activations_metadata", reader.metadata());
                    if (held > 0) extra.put("heldout_rows", held);
                    List<Path> dirs = new ArrayList<>();
                    for (int i = 0; i < results.size(); i++) {
                        Path dir = layers == null ? (grid ? out.resolve(gridDirs.get(i)) : out)
                                : (grid ? out.resolve(gridDirs.get(i)).resolve("layer" + l) : out.resolve("layer" + l));
                        TopKSaeTrainer.writeResult(results.get(i), dir, extra);
                        var m = results.get(i).finalMetrics();
                        outw.printf("%s: k=%d F=%d EV=%.4f MSE=%.5g L0=%.1f dead=%.3f%n", dir,
                                results.get(i).config().k(), results.get(i).config().latents(), m.explainedVariance(),
                                m.mse(), m.l0(), m.deadFraction());
                        if (held > 0) {
                            var h = TopKSaeTrainer.evaluate(results.get(i).sae(), new ConcatenatedActivations(
                                    List.of(new ConcatenatedActivations.Part(all, all.rows() - held, held))));
                            heldOut.put(dir, h);
                            heldRows = held;
                            outw.printf("%s: held-out %d rows: EV=%.4f MSE=%.5g L0=%.1f%n", dir, held, h.explainedVariance(), h.mse(), h.l0());
                        }
                        dirs.add(dir);
                    }
                    saved.put(l, dirs);
                    if (grid && layers == null) TopKSaeTrainer.writeGridSummary(results, gridDirs, out.resolve("grid.json"));
                }
                Map<Path, io.llamasae.sae.SplicedLoss.Summary> spliced = model == null ? Map.of()
                        : HeldOutMetrics.splice(model, dataset, reader, conv, saved, (int) (samples - heldRows), ceSamples, 16);
                for (var h : heldOut.entrySet()) {
                    var sp = spliced.get(h.getKey());
                    HeldOutMetrics.write(h.getKey(), h.getValue(), heldRows, sp);
                    if (sp != null) {
                        outw.printf("%s: spliced in on %d held-out prompts: CE clean %.4f, spliced %.4f, zero-ablated %.4f, CE loss recovered "
                                + "%.4f, KL %.5f%n", h.getKey(), Math.min(ceSamples, heldRows), sp.cleanCe(), sp.splicedCe(), sp.zeroCe(),
                                sp.ceLossRecovered(), sp.splicedKl());
                    }
                }
            }
            outw.flush();
            return 0;
        } catch (IOException | IllegalArgumentException | UncheckedIOException | ArithmeticException
                 | io.llamasae.engine.LlamaSaeException e) {
            err.println("llama-sae train: " + CliErrors.oneLine(e.getMessage()));
            err.flush();
            return 2;
        }
    }
}
