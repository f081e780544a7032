package io.llamasae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.data.Dataset;
import io.llamasae.data.DatasetFormat;
import io.llamasae.data.DatasetReader;
import io.llamasae.cli.ScaleOutOptions;
import io.llamasae.data.Sample;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.ModelInfo;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeLoader;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.ScaleOutResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae spark-stats}: feature statistics, SAE metrics and (optionally) code and activation shards of
 * every layer that has an SAE, at one position, as a Spark job: each partition is a {@link io.llamasae.engine.Pass}
 * ({@link HookedStatsRunner}); {@code sweep --spark} takes its place once the sweep exists.
 */
@Command(name = "spark-stats", mixinStandardHelpOptions = true,
        description = "Feature statistics and SAE metrics per layer as an Apache Spark job (embedded local[N] or spark-submit).")
public final class SparkStatsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GGUF model file (the same path on every executor)")
    Path model;

    @Option(names = "--saes", required = true, description = "Folder with one SAE per layer in subfolders layer{L}")
    Path saes;

    @Option(names = "--layers", defaultValue = "all", description = "all (every layer{L} in --saes, default) or a list: 0,2")
    String layers;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", description = "llama.cpp (block index, default) or hf")
    String convention;

    @Option(names = "--sae-format", description = "saelens, sparsify, reference, dictionary_learning (default: detected)")
    String saeFormat;

    @Option(names = "--k", description = "Top-K of the SAEs (default: from their configs)")
    Integer k;

    @Option(names = "--position", required = true, description = "Token position (negative = from the end)")
    int position;

    @Option(names = "--dataset", required = true, description = "GSM8K jsonl, chain-of-thought jsonl or plain text")
    Path dataset;

    @Option(names = "--format", description = "Dataset format: ${COMPLETION-CANDIDATES} (default: detected)")
    DatasetFormat format;

    @Option(names = "--limit", description = "Use only the first N samples")
    Integer limit;

    @Option(names = "--batch", defaultValue = "16", description = "Prompts per engine run; partitions hold whole batches (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--ctx", defaultValue = "0", description = "Longest prompt in tokens (0 = min(train ctx, 4096))")
    int ctx;

    @Option(names = "--top", defaultValue = "100", description = "Top samples kept per feature (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--backend", defaultValue = "auto",
            description = "cpu, cuda or auto (default: the GPU Spark assigned the task, else the CPU)")
    String backend;

    @Mixin
    ScaleOutOptions scaleOut;

    @Option(names = "--codes", description = "Write the sparse codes as shards (layer{L}.pos{P}.indices/.values)")
    boolean codes;

    @Option(names = "--activations", description = "Write the residual rows as shards (layer{L}.pos{P})")
    boolean activations;

    @Option(names = "--shards", description = "Where shards and their manifest go: any Hadoop path (default: OUT/shards)")
    String shards;

    @Option(names = "--out", required = true, description = "Output folder: stats_layer{L}_pos{P}.json, spark_summary.json")
    Path out;

    @Override
    public Integer call() throws Exception {
        scaleOut.requireEnabled();
        if (top < 1) throw new IllegalArgumentException("--top: expected >= 1 but found " + top);
        LayerConvention conv = LayerConvention.parse(convention);
        DatasetReader.Options opts = DatasetReader.Options.defaults();
        if (format != null) opts = opts.withFormat(format);
        Dataset data = DatasetReader.read(dataset, opts);
        System.err.println(data.summary());
        List<Sample> samples = limit == null ? data.samples() : data.samples().subList(0, Math.min(limit, data.samples().size()));

        // Validate on the driver what the executors will load: the model, the layers, every SAE and its width.
        ModelInfo info;
        try (Model m = Model.load(model, 0)) {
            info = m.info();
        }
        Map<Integer, String> saeByBlock = new TreeMap<>();
        Map<Integer, Integer> layerNames = new TreeMap<>();
        for (int layer : layerList()) {
            int block = conv.toBlock(layer, info.nLayer());
            Path dir = saes.resolve("layer" + layer);
            Sae s = SaeLoader.load(dir, saeFormat == null ? Optional.empty() : Optional.of(SaeFormat.parse(saeFormat)),
                    k == null ? OptionalInt.empty() : OptionalInt.of(k));
            s.checkWidth(info.nEmbd());
            saeByBlock.put(block, dir.toAbsolutePath().toString());
            layerNames.put(block, layer);
        }
        EngineSpec spec = new EngineSpec(model.toAbsolutePath().toString(), saeByBlock, saeFormat, k, ctx, batch);
        HookedStatsRunner runner = new HookedStatsRunner(spec, position, top, layerNames, conv.label(), codes, activations);
        List<String> ids = samples.stream().map(Sample::id).toList();
        String shardUri = !(codes || activations) ? null : shards != null ? shards : out.resolve("shards").toAbsolutePath().toUri().toString();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model.toString());
        meta.put("layer_convention", conv.label());
        meta.put("position", Integer.toString(position));
        meta.put("layers", layerNames.values().toString());
        ScaleOutResult<BlockStatistics> result = scaleOut.run(ids, samples.stream().map(Sample::prompt).toList(), batch, backend, runner,
                shardUri, meta);
        List<Path> written = StatsReport.write(out, result.merged(), layerNames, conv.label(), position, ids);
        writeSummary(result, samples.size());
        for (var e : result.merged().metrics().entrySet()) {
            var s = e.getValue().summary();
            System.out.printf("layer %d: %d rows, explained variance %.4f, MSE %.5g, L0 %.2f, dead %.1f%%%n", layerNames.get(e.getKey()),
                    s.rows(), s.explainedVariance(), s.mse(), s.l0(), 100 * s.deadFraction());
        }
        System.out.printf("%d partitions in %.2f s (driver merge %.3f s); %d files in %s%s%n", result.partitions().size(), result.seconds(),
                result.mergeSeconds(), written.size(), out, result.manifest() == null ? "" : "; shards: " + result.manifest());
        return 0;
    }

    private List<Integer> layerList() throws IOException {
        if (!Files.isDirectory(saes)) {
            throw new IllegalArgumentException("--saes " + saes + ": expected a folder with subfolders layer{L} but found none");
        }
        List<Integer> out = new ArrayList<>();
        if (layers.equals("all")) {
            Pattern p = Pattern.compile("layer(\\d+)");
            try (Stream<Path> s = Files.list(saes)) {
                for (Path d : s.toList()) {
                    Matcher m = p.matcher(d.getFileName().toString());
                    if (Files.isDirectory(d) && m.matches()) out.add(Integer.parseInt(m.group(1)));
                }
            }
            if (out.isEmpty()) throw new IllegalArgumentException("--saes " + saes + ": expected subfolders layer{L} but found none");
        } else {
            for (String t : layers.split(",")) {
                try {
                    out.add(Integer.parseInt(t.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--layers: expected all or a list of integers but found '" + layers + "'");
                }
            }
        }
        return out.stream().sorted().distinct().toList();
    }

    private void writeSummary(ScaleOutResult<BlockStatistics> result, int samples) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("master", scaleOut.master());
        json.put("samples", samples);
        json.put("seconds", result.seconds());
        json.put("merge_seconds", result.mergeSeconds());
        json.put("manifest", result.manifest());
        json.put("partitions", result.partitions());
        AtomicFiles.writeBytes(out.resolve("spark_summary.json"),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
    }
}
