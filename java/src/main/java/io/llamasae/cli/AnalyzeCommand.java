package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Dataset;
import io.llamasae.data.DatasetFormat;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeLoader;
import io.llamasae.study.HookedEncoding;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae analyze}: model + SAE + dataset -> capture, encode inside the forward pass,
 * statistics, ranking, taxonomy and the report, in one pass over the data.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Rank SAE features by frequency, score and classify their specialization, write the report.")
public final class AnalyzeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--sae", required = true, description = "SAE directory or .safetensors file")
    Path sae;

    @Option(names = "--sae-format", description = "saelens, sparsify, reference, dictionary_learning (default: detected)")
    String saeFormat;

    @Option(names = "--k", description = "Top-K of the SAE (default: from its config)")
    Integer k;

    @Option(names = "--dataset", required = true, description = "GSM8K jsonl, chain-of-thought jsonl or plain text")
    Path dataset;

    @Option(names = "--format", description = "Dataset format: ${COMPLETION-CANDIDATES} (default: detected)")
    DatasetFormat format;

    @Option(names = "--layer", required = true, description = "Layer (see --layer-convention)")
    int layer;

    @Option(names = "--position", required = true, description = "Token position (negative = from the end)")
    int position;

    @Option(names = "--layer-convention", defaultValue = "llama.cpp", description = "llama.cpp (block index) or hf (hidden_states)")
    String convention;

    @Option(names = "--ranks", defaultValue = "50-200,400-512", description = "Rank bands (default ${DEFAULT-VALUE})")
    String ranks;

    @Option(names = "--mode", defaultValue = "sound", description = "sound (default) or seed (the reference rules, quirks included)")
    String mode;

    @Option(names = "--limit", description = "Use only the first N samples")
    Integer limit;

    @Option(names = "--batch", defaultValue = "16", description = "Prompts per decode call")
    int batch;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0 = all cores)")
    int threads;

    @Option(names = "--ctx", defaultValue = "0", description = "Tokens per decode call (0 = min(train ctx, 4096))")
    int ctx;

    @Option(names = "--skip-bad", description = "Skip malformed dataset lines (counted and reported)")
    boolean skipBad;

    @Option(names = "--no-plots", description = "Skip the PNG plots")
    boolean noPlots;

    @Option(names = "--out", required = true, description = "Report folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        AnalysisMode analysisMode = AnalysisMode.parse(mode);
        LayerConvention conv = LayerConvention.parse(convention);
        Sae s = SaeLoader.load(sae, saeFormat == null ? Optional.empty() : Optional.of(SaeFormat.parse(saeFormat)),
                k == null ? OptionalInt.empty() : OptionalInt.of(k));
        DatasetReader.Options opts = DatasetReader.Options.defaults().withSkipBad(skipBad);
        if (format != null) opts = opts.withFormat(format);
        Dataset data = DatasetReader.read(dataset, opts);
        List<Sample> samples = limit == null ? data.samples() : data.samples().subList(0, Math.min(limit, data.samples().size()));
        System.err.println(data.summary());
        try (Model m = Model.load(model);
             Engine e = Engine.open(m, EngineOptions.defaults().withCtx(ctx).withSeqMax(Math.min(batch, 256)).withThreads(threads));
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            Map<Integer, HookedEncoding.LayerStatistics> stats;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("analyze").setInitialMax(samples.size())
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                stats = HookedEncoding.run(e, samples, Map.of(block, ns), position, batch, 100, bar::stepTo);
            }
            HookedEncoding.LayerStatistics ls = stats.get(block);
            StudyConfig cfg = StudyConfig.builder().layer(layer).layerConvention(conv == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block")
                    .position(position).bands(ranks).mode(analysisMode)
                    .saeDescription("K=" + s.defaultK() + ", d=" + s.numLatents())
                    .modelDescription(m.info().description() + " (" + model.getFileName() + ")")
                    .datasetDescription(samples.size() + " samples from " + dataset.getFileName()).build();
            StudyResult result = StudyAnalysis.run(ls.features(), samples, cfg);
            StudyReportWriter.write(out, List.of(result), !noPlots);
            var mt = ls.metrics().summary();
            System.out.printf("SAE on %d rows: explained variance %.4f, MSE %.5g, L0 %.2f, dead %.1f%%%n", mt.rows(), mt.explainedVariance(),
                    mt.mse(), mt.l0(), 100 * mt.deadFraction());
            System.out.println("report: " + out.resolve(StudyReportWriter.REPORT_NAME));
        }
        return 0;
    }
}
