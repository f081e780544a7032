package io.llamasae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.RankBand;
import io.llamasae.dashboard.DashboardOptions;
import io.llamasae.dashboard.DelphiCacheExport;
import io.llamasae.dashboard.PromptTokenContexts;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.ModelInfo;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.LayerSaes;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.ScaleOutResult;
import io.llamasae.sweep.Sweep;
import io.llamasae.sweep.SweepEntry;
import io.llamasae.sweep.SweepReport;
import io.llamasae.sweep.SweepResult;
import io.llamasae.sweep.SweepRunner;
import io.llamasae.sweep.SweepSpec;
import io.llamasae.sweep.SweepSummary;
import io.llamasae.sweep.SweepTraining;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae sweep}: one SAE per layer (given, or trained here from one capture pass), every layer and position
 * analysed from one forward pass per batch, the spliced-in evaluation per layer, and the summary across layers. Runs in
 * this process, or as a Spark job with {@code --spark} (the same {@link SweepRunner} per partition).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Analyse an SAE at every layer in one pass per batch: per-layer reports, CE loss recovered, summary and heatmaps.")
public final class SweepCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GGUF model file (the same path on every Spark executor)")
    Path model;

    @Option(names = "--saes", description = "Folder with one SAE per layer: subfolders layer{L} (or SAE folders whose cfg.json names "
            + "their hook); any supported format")
    Path saes;

    @Mixin
    DatasetOptions data;

    @Mixin
    RunOptions run;

    @Mixin
    ScaleOutOptions scaleOut;

    @Option(names = "--positions", required = true, description = "Token positions analysed at every layer, e.g. 3,-1")
    String positions;

    @Option(names = "--layers", defaultValue = "all", description = "all (default: every layer with an SAE, or every block with --train) "
            + "or a list, e.g. 0,5,9")
    String layers;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", description = "llama.cpp (block index, default) or hf (hidden_states)")
    String convention;

    @Option(names = "--sae-format", description = "saelens, sparsify, reference, dictionary_learning (default: detected)")
    String saeFormat;

    @Option(names = "--allow-layer-mismatch", description = "Attach a layer{L} SAE at L even when its cfg.json says it was trained elsewhere")
    boolean allowLayerMismatch;

    @Option(names = "--mode", defaultValue = "sound", description = "sound (default) or seed (the reference rules, quirks included)")
    String mode;

    @Option(names = "--ranks", defaultValue = "50-200,400-512", description = "Rank bands (default ${DEFAULT-VALUE})")
    String ranks;

    @Option(names = "--top", defaultValue = "100", description = "Top samples kept per feature (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--ce-samples", defaultValue = "256",
            description = "Prompts of the spliced-in evaluation (CE loss recovered, KL): the first N of the dataset (with --train: of "
                    + "the held-out samples); all, or 0 to skip (default ${DEFAULT-VALUE})")
    String ceSamples;

    @Option(names = "--train", description = "Train the SAEs here from one capture pass (K x latents grid), saved under OUT/sae/")
    boolean train;

    @Option(names = "--k", split = ",", description = "With --train: active latents per row (list = grid); with --saes: override k")
    List<Integer> ks;

    @Option(names = "--latents", split = ",", description = "With --train: dictionary sizes (list = grid)")
    List<Integer> latents;

    @Mixin
    SweepTrainingOptions training;

    @Option(names = "--codes", description = "Also write the sparse codes: OUT/codes.safetensors (with --spark: shards)")
    boolean codes;

    @Option(names = "--shards", description = "With --spark and --codes: where shards and their manifest go (any Hadoop path; default OUT/shards)")
    String shards;

    @Output
    @Option(names = "--delphi-cache", description = "Also write the codes as an EleutherAI Delphi latent cache here (one hookpoint per layer)")
    Path delphiCache;

    @Option(names = "--delphi-splits", defaultValue = "5", description = "Latent ranges (files) per hookpoint of the Delphi cache (default ${DEFAULT-VALUE})")
    int delphiSplits;

    @Option(names = "--no-dashboard", description = "Skip the feature dashboard (OUT/dashboard/index.html)")
    boolean noDashboard;

    @Option(names = "--dashboard-contexts", defaultValue = "10", description = "Top contexts per feature on the dashboard (default ${DEFAULT-VALUE})")
    int dashboardContexts;

    @Option(names = "--no-plots", description = "Skip the PNG plots and heatmaps")
    boolean noPlots;

    @Option(names = "--resume", description = "Checkpoint in OUT/.sweep.partial/ and continue an interrupted run from its last checkpoint")
    boolean resume;

    @Option(names = "--checkpoint-every", defaultValue = "1", description = "With --resume: batches between checkpoints (default ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--out", required = true, description = "Output folder")
    Path out;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() throws Exception {
        AnalysisMode analysisMode = AnalysisMode.parse(mode);
        LayerConvention conv = LayerConvention.parse(convention);
        List<Integer> positionList = CaptureSpec.parseFixedPositions(positions, "--positions");
        List<RankBand> bands = RankBand.parseList(ranks);
        if (top < 1) throw new IllegalArgumentException("--top: expected >= 1 but found " + top);
        if (dashboardContexts < 1) throw new IllegalArgumentException("--dashboard-contexts: expected >= 1 but found " + dashboardContexts);
        if (train == (saes != null)) throw new IllegalArgumentException("--saes / --train: expected exactly one (the SAEs to analyse, or train them here)");
        if (train && (ks == null || latents == null)) throw new IllegalArgumentException("--train: expected --k and --latents (lists make a grid)");
        if (!train && latents != null) throw new IllegalArgumentException("--latents: only with --train");
        if (!train && ks != null && ks.size() != 1) throw new IllegalArgumentException("--k: with --saes expected one value (the k override) but found " + ks);
        if (scaleOut.enabled() && resume) throw new IllegalArgumentException("--resume: a Spark job retries failed tasks itself; run without --resume");
        if (scaleOut.enabled() && delphiCache != null) {
            throw new IllegalArgumentException("--delphi-cache: written in this process from OUT/codes.safetensors; run without --spark "
                    + "(or convert the shards)");
        }
        if (delphiCache != null && delphiSplits < 1) throw new IllegalArgumentException("--delphi-splits: expected >= 1 but found " + delphiSplits);
        if (shards != null && !(scaleOut.enabled() && codes)) throw new IllegalArgumentException("--shards: only with --spark and --codes");
        List<Sample> samples = data.read();
        if (samples.isEmpty()) throw new IllegalArgumentException("--dataset " + data.file() + ": expected at least one sample but found none");
        int ceCount = ceCount(samples.size());
        Optional<List<Integer>> layerList = layers.equals("all") ? Optional.empty()
                : Optional.of(CaptureSpec.parseInts(layers, "--layers"));
        Files.createDirectories(out);
        ModelInfo info;
        try (Model m = Model.load(model, 0)) {
            info = m.info();
        }
        String modelDescription = info.description() + " (" + model.getFileName() + ")";
        SweepReport.Settings settings = new SweepReport.Settings(analysisMode, bands, conv, modelDescription,
                samples.size() + " samples from " + data.file().getFileName(), !noPlots, null);
        List<SweepSummary.GridPoint> points = new ArrayList<>();
        String saesText;
        String ceText;
        if (train) {
            SweepTraining.Result trained;
            try (var bar = Progress.bar("capture", samples.size())) {
                trained = SweepTraining.run(model, samples, info, conv, layerList, positionList, ks, latents, training.settings(), run.batch,
                        run.engineOptions(), run.gpuLayers(), out, resume, bar::stepTo);
            }
            int heldOut = trained.heldOutFirst();
            int ceEnd = Math.min(samples.size(), heldOut + ceCount);
            for (SweepTraining.GridSaes g : trained.grid()) {
                points.add(analyse(g.saes(), g.loaded(), g.dir(), g.label(), heldOut, ceEnd, samples, info, conv, positionList, settings));
            }
            saesText = "trained here (" + trained.describe() + ") under " + out.resolve("sae");
            ceText = describeSplice(ceEnd - heldOut, "held-out samples " + heldOut + ".." + (ceEnd - 1));
        } else {
            Map<Integer, LayerSaes.Found> found = LayerSaes.find(saes, conv, info.nLayer(), layerList, allowLayerMismatch);
            Map<Integer, String> paths = new TreeMap<>();
            Map<Integer, Sae> loaded = new TreeMap<>();
            for (var e : found.entrySet()) {
                loaded.put(e.getKey(), LayerSaes.load(e.getValue(), format(), kOverride(), info.nEmbd()));
                paths.put(e.getKey(), e.getValue().path().toAbsolutePath().toString());
            }
            points.add(analyse(paths, loaded, "", null, 0, ceCount, samples, info, conv, positionList, settings));
            saesText = loaded.size() + " from " + saes + " (" + describe(loaded, conv) + ")";
            ceText = describeSplice(ceCount, "the first " + ceCount + " samples");
        }
        String passNote = "one forward pass per batch for every layer and position" + (ceCount > 0 ? "; the spliced-in evaluation runs "
                + "1 + 2 x layers extra passes per batch of its samples (clean, then spliced and zero-ablated per layer)" : "");
        SweepSummary.Inputs inputs = new SweepSummary.Inputs(modelDescription, data.file().getFileName().toString(), samples.size(),
                analysisMode.label(), conv.label(), saesText, ceText, passNote);
        SweepSummary.write(out, points, inputs, !noPlots);
        for (SweepSummary.GridPoint p : points) {
            for (SweepEntry e : p.entries()) {
                System.out.printf("%slayer %d pos %d: EV %.4f, L0 %.1f, dead %.1f%%%s%n", p.label() == null ? "" : p.label() + " ", e.layer(),
                        e.position(), e.metrics().explainedVariance(), e.metrics().l0(), 100 * e.metrics().deadFraction(),
                        e.splice() == null ? "" : String.format(", CE recovered %.3f (clean %.4f, spliced %.4f)", e.splice().ceLossRecovered(),
                                e.splice().cleanCe(), e.splice().splicedCe()));
            }
        }
        System.out.println("summary: " + out.resolve(SweepSummary.MARKDOWN_NAME));
        return 0;
    }

    /** Analyses one set of SAEs (block → path) over the dataset and writes its per-layer outputs into {@code out/subDir}. */
    private SweepSummary.GridPoint analyse(Map<Integer, String> paths, Map<Integer, Sae> loaded, String subDir, String label, int ceFirst,
                                           int ceEnd, List<Sample> samples, ModelInfo info, LayerConvention conv, List<Integer> positionList,
                                           SweepReport.Settings settings) throws Exception {
        Map<Integer, Integer> names = new TreeMap<>();
        for (int block : paths.keySet()) names.put(block, conv.fromBlock(block));
        EngineSpec es = new EngineSpec(model.toAbsolutePath().toString(), paths, train ? null : saeFormat, train ? null : kOverride().isPresent()
                ? kOverride().getAsInt() : null, run.ctx, run.batch);
        SweepSpec spec = new SweepSpec(es, positionList, top, ceFirst, ceEnd, names, conv.label(), codes || delphiCache != null, false);
        SweepRunner runner = new SweepRunner(spec);
        Path dir = subDir.isEmpty() ? out : out.resolve(subDir);
        Files.createDirectories(dir);
        List<String> ids = samples.stream().map(Sample::id).toList();
        List<String> prompts = samples.stream().map(Sample::prompt).toList();
        boolean dashboard = !noDashboard;
        SweepResult result;
        Sweep.Local local = null;
        LoadedEngine engine = null;
        try {
            if (scaleOut.enabled()) {
                String shardUri = !spec.codes() ? null : shards != null ? shards : dir.resolve("shards").toAbsolutePath().toUri().toString();
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("model", model.toString());
                meta.put("layer_convention", conv.label());
                meta.put("positions", positionList.toString());
                meta.put("layers", names.values().toString());
                ScaleOutResult<SweepResult> r = scaleOut.run(ids, prompts, run.batch, run.backend, runner, shardUri, meta);
                result = r.merged();
                writeSparkSummary(dir, r, samples.size());
                if (dashboard) engine = es.open(localDevice());
            } else {
                engine = es.open(localDevice());
                try (var bar = Progress.bar(label == null ? "sweep" : "sweep " + label, samples.size())) {
                    local = Sweep.runLocal(runner, engine, ids, prompts, out, subDir, resume, checkpointEvery, bar::stepTo);
                }
                result = local.result();
            }
            List<SweepEntry> entries;
            try (Model m = engine == null ? Model.load(model, 0) : null) {
                Model tokens = engine != null ? engine.model() : m;
                entries = SweepReport.write(dir, result, spec, loaded, samples, settings,
                        layerDir -> new PromptTokenContexts(tokens, samples, dashboard ? "../dashboard/index.html" : null, 8, 2));
            }
            if (dashboard) {
                DashboardOptions o = new DashboardOptions(dashboardContexts, 24, 6, 12, 8, run.batch);
                Path index = Sweep.writeDashboard(dir, engine, spec, result, samples, settings, o, "Sweep of " + model.getFileName()
                        + (label == null ? "" : " (SAEs " + label + ")"));
                System.out.println("dashboard: " + index);
            }
            if (delphiCache != null) writeDelphi(dir, spec, loaded, samples, conv, engine, label);
            if (local != null) local.finish();
            return new SweepSummary.GridPoint(label, subDir, entries, dashboard);
        } finally {
            if (engine != null) engine.close();
        }
    }

    private void writeDelphi(Path dir, SweepSpec spec, Map<Integer, Sae> loaded, List<Sample> samples, LayerConvention conv,
                             LoadedEngine engine, String label) throws IOException {
        Path cacheDir = label == null ? delphiCache : delphiCache.resolve(label);
        Model m = engine.model();
        List<int[]> tokens = samples.stream().map(s -> m.tokenize(s.prompt(), m.info().addBos())).toList();
        for (int block : spec.blocks()) {
            int f = loaded.get(block).numLatents();
            if (delphiSplits > f) throw new IllegalArgumentException("--delphi-splits: expected 1.." + f + " but found " + delphiSplits);
            List<Path> files = DelphiCacheExport.write(dir.resolve("codes.safetensors"), null, CaptureSpec.of(List.of(block), spec.positions()),
                    conv, tokens, f, delphiSplits, m.info().eosToken(), m.info().description() + " (" + model.getFileName() + ")",
                    data.file().getFileName().toString(), cacheDir);
            System.out.println("Delphi cache: " + files.size() + " files in " + cacheDir.resolve(DelphiCacheExport.hookpoint(block)));
        }
    }

    private void writeSparkSummary(Path dir, ScaleOutResult<SweepResult> r, int samples) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("master", scaleOut.master());
        json.put("samples", samples);
        json.put("seconds", r.seconds());
        json.put("merge_seconds", r.mergeSeconds());
        json.put("manifest", r.manifest());
        json.put("partitions", r.partitions());
        AtomicFiles.writeBytes(dir.resolve("spark_summary.json"), JSON.writeValueAsBytes(json));
        System.out.printf("%d partitions in %.2f s (driver merge %.3f s)%s%n", r.partitions().size(), r.seconds(), r.mergeSeconds(),
                r.manifest() == null ? "" : "; shards: " + r.manifest());
    }

    /** The device of an engine run in this process: the GPU when --backend chooses one, else the CPU. */
    private Device localDevice() {
        return run.gpuLayers() != 0 ? Device.gpu(0, run.threads) : Device.cpu(run.threads);
    }

    private int ceCount(int samples) {
        if (ceSamples.equals("all")) return samples;
        try {
            int n = Integer.parseInt(ceSamples.trim());
            if (n >= 0) return Math.min(n, samples);
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("--ce-samples: expected all or a number >= 0 but found '" + ceSamples + "'");
    }

    private Optional<SaeFormat> format() {
        return saeFormat == null ? Optional.empty() : Optional.of(SaeFormat.parse(saeFormat));
    }

    private OptionalInt kOverride() {
        return ks == null || train ? OptionalInt.empty() : OptionalInt.of(ks.get(0));
    }

    private static String describe(Map<Integer, Sae> saes, LayerConvention conv) {
        List<String> out = new ArrayList<>();
        saes.forEach((b, s) -> out.add("layer " + conv.fromBlock(b) + ": K=" + s.defaultK() + ", F=" + s.numLatents()));
        return String.join("; ", out);
    }

    private static String describeSplice(int n, String which) {
        return n == 0 ? "skipped (--ce-samples 0)" : n + " prompts (" + which + "); CE in nats per token, CE loss recovered = (CE_zero - "
                + "CE_spliced) / (CE_zero - CE_clean) as SAELens' ce_loss_score";
    }
}
