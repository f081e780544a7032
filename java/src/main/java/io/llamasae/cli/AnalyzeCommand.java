package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.dashboard.DashboardOptions;
import io.llamasae.dashboard.DashboardWriter;
import io.llamasae.dashboard.FeatureDashboard;
import io.llamasae.dashboard.InterventionResults;
import io.llamasae.dashboard.PromptTokenContexts;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.sae.Sae;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae analyze}: model + SAE + dataset -> capture, encode inside the forward pass,
 * statistics, ranking, taxonomy and the report, in one pass over the data.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Rank SAE features by frequency, score and classify their specialization, write the report.")
public final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ModelSaeOptions ms;

    @Mixin
    DatasetOptions data;

    @Mixin
    RunOptions run;

    @Option(names = "--position", required = true, description = "Token position (negative = from the end)")
    int position;

    @Option(names = "--ranks", defaultValue = "50-200,400-512", description = "Rank bands (default ${DEFAULT-VALUE})")
    String ranks;

    @Option(names = "--mode", defaultValue = "sound", converter = Converters.Mode.class,
            description = "sound (default) or seed (the reference rules, quirks included)")
    AnalysisMode mode;

    @Option(names = "--no-plots", description = "Skip the PNG plots")
    boolean noPlots;

    @Option(names = "--out", required = true, description = "Report folder")
    Path out;

    @Option(names = "--no-dashboard", description = "Skip the feature dashboard (<out>/dashboard/index.html)")
    boolean noDashboard;

    @Option(names = "--dashboard-contexts", defaultValue = "10", description = "Top contexts per feature on the dashboard (default ${DEFAULT-VALUE})")
    int dashboardContexts;

    @Option(names = "--validation", description = "validation_results JSON whose intervention results the dashboard shows "
            + "(default: <out>/validation_results_layer{L}_pos{P}.json when it exists)")
    Path validation;

    @Option(names = "--codes", description = "Analyse stored codes (capture --codes-out, encode, sweep --codes) instead of running the "
            + "model: no --model or --sae; tensors layer{L}.pos{P}")
    Path codes;

    @Option(names = "--layers", description = "With --codes: several layers, e.g. 0,3,5 (one report for all); with a model use sweep")
    String layers;

    @Override
    public Integer call() throws Exception {
        AnalysisMode analysisMode = mode;
        if (codes != null) return analyzeCodes(analysisMode);
        if (layers != null) {
            throw new IllegalArgumentException("--layers: with a model, analyse several layers in one pass with sweep (or give --codes)");
        }
        ms.require();
        LayerConvention conv = ms.layerConvention();
        Sae s = ms.loadSae();
        ms.checkSaeLayer();
        if (dashboardContexts < 1) throw new IllegalArgumentException("--dashboard-contexts: expected >= 1 but found " + dashboardContexts);
        DashboardOptions dashOptions = new DashboardOptions(dashboardContexts, 24, 6, 12, 8, run.batch);
        Path validationFile = validation != null ? validation
                : out.resolve("validation_results_layer" + ms.layer + "_pos" + position + ".json");
        InterventionResults interventions = validation != null || java.nio.file.Files.isRegularFile(validationFile)
                ? InterventionResults.read(validationFile) : null;
        List<Sample> samples = data.read();
        try (Model m = run.loadModel(ms.model);
             Engine e = run.openEngine(m);
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(ms.layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            // One pass: codes, feature statistics and reconstruction sums computed inside the forward pass.
            PassSpec spec = PassSpec.builder(CaptureSpec.of(List.of(block), List.of(position))).sae(block, ns)
                    .outputs(PassOutput.STATISTICS, PassOutput.METRICS).topN(100).batchSize(run.batch).build();
            PassResult pass;
            try (Progress bar = Progress.bar("analyze", samples.size())) {
                PassInput input = PassInput.tokenize(e, samples.stream().map(Sample::id).toList(), samples.stream().map(Sample::prompt).toList(), 0);
                pass = Pass.run(e, spec, input, PassConsumer.progress(bar::stepTo));
            }
            RowBlock at = RowBlock.position(position);
            StudyConfig cfg = StudyConfig.builder().layer(ms.layer).layerConvention(conv == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block")
                    .position(position).bands(ranks).mode(analysisMode)
                    .saeDescription("K=" + s.defaultK() + ", d=" + s.numLatents())
                    .modelDescription(m.info().description() + " (" + ms.model.getFileName() + ")")
                    .datasetDescription(samples.size() + " samples from " + data.file().getFileName()).build();
            FeatureStatistics features = pass.statistics(block, at);
            StudyResult result = StudyAnalysis.run(features, samples, cfg);
            String dashboardLink = null;
            if (!noDashboard) {
                FeatureDashboard.Section section = FeatureDashboard.forStudy(e, ns, block, samples, features, cfg, interventions, dashOptions);
                Path index = DashboardWriter.write(out.resolve("dashboard"), section, "Features of " + ms.sae.getFileName() + " on "
                        + ms.model.getFileName());
                dashboardLink = "dashboard/" + DashboardWriter.INDEX;
                System.out.println("dashboard: " + index + (interventions == null ? "" : " (intervention results from " + validationFile + ")"));
            }
            StudyReportWriter.write(out, List.of(result), !noPlots, new PromptTokenContexts(m, samples, dashboardLink, 8, 2));
            var mt = pass.metrics(block, at).summary();
            io.llamasae.report.FeatureStatsJson.writeMetrics(out, ms.layer, position, mt, null);
            System.out.printf("SAE on %d rows: explained variance %.4f, MSE %.5g, L0 %.2f, dead %.1f%%%n", mt.rows(), mt.explainedVariance(),
                    mt.mse(), mt.l0(), 100 * mt.deadFraction());
            System.out.println("report: " + out.resolve(StudyReportWriter.REPORT_NAME));
        }
        return 0;
    }

    /**
     * {@code --codes}: the study of stored codes, without the model: the codes' rows are the samples named by the file's
     * {@code sample_ids} (else the dataset's first N), in file order; no dashboard and no token contexts (they need the
     * model). The JSON files are the ones {@code analyze} writes from the model for the same codes.
     */
    private int analyzeCodes(AnalysisMode analysisMode) throws Exception {
        if (ms.model != null || ms.sae != null) {
            throw new IllegalArgumentException("--codes: analyses stored codes without the model; drop --model and --sae");
        }
        if (layers != null && ms.layer != null) throw new IllegalArgumentException("--layer / --layers: give one of them");
        if (layers == null && ms.layer == null) throw new IllegalArgumentException("--codes: expected --layer L (or --layers 0,3) but found neither");
        List<Integer> layerList = layers != null ? CaptureSpec.parseInts(layers, "--layers") : List.of(ms.layer);
        LayerConvention conv = ms.layerConvention();
        List<Sample> all = data.read();
        List<StudyResult> results = new java.util.ArrayList<>();
        try (io.llamasae.sae.CodesFile cf = io.llamasae.sae.CodesFile.open(codes)) {
            List<Sample> samples = codesSamples(cf, all);
            int f = cf.numLatents().orElseThrow(() -> new IllegalArgumentException(codes + ": __metadata__ n_latents: expected the "
                    + "dictionary size (written by capture, encode and sweep) but found none"));
            for (int layer : layerList) {
                String prefix = "layer" + layer + ".pos" + RowBlock.position(position).label();
                long[] shape = cf.shape(prefix);
                if (shape[0] != samples.size()) {
                    throw new IllegalArgumentException(codes + ": " + prefix + ": expected one row per sample (" + samples.size() + ") but found "
                            + shape[0]);
                }
                FeatureStatistics stats = cf.statistics(prefix, f, 100, r -> r);
                StudyConfig cfg = StudyConfig.builder().layer(layer).layerConvention(conv == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block")
                        .position(position).bands(ranks).mode(analysisMode).saeDescription("K=" + shape[1] + ", d=" + f)
                        .modelDescription("stored codes " + codes.getFileName())
                        .datasetDescription(samples.size() + " samples from " + data.file().getFileName()).build();
                results.add(StudyAnalysis.run(stats, samples, cfg));
            }
        }
        StudyReportWriter.write(out, results, !noPlots);
        System.out.println("report: " + out.resolve(StudyReportWriter.REPORT_NAME));
        return 0;
    }

    /** The samples of the codes' rows: by the file's sample_ids (each must be in the dataset), else the dataset's first rows. */
    private List<Sample> codesSamples(io.llamasae.sae.CodesFile cf, List<Sample> dataset) {
        java.util.Optional<List<String>> ids = cf.sampleIds();
        if (ids.isEmpty()) return dataset;
        java.util.Map<String, Sample> byId = new java.util.HashMap<>();
        for (Sample s : dataset) byId.putIfAbsent(s.id(), s);
        List<Sample> out = new java.util.ArrayList<>(ids.get().size());
        for (String id : ids.get()) {
            Sample s = byId.get(id);
            if (s == null) {
                throw new IllegalArgumentException(codes + ": __metadata__ sample_ids: expected every sample in --dataset " + data.file()
                        + " but found '" + id + "' missing");
            }
            out.add(s);
        }
        return out;
    }
}
