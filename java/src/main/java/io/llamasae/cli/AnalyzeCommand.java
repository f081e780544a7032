package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Sample;
import io.llamasae.engine.Engine;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.sae.Sae;
import io.llamasae.study.HookedEncoding;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    @Override
    public Integer call() throws Exception {
        AnalysisMode analysisMode = mode;
        LayerConvention conv = ms.layerConvention();
        Sae s = ms.loadSae();
        ms.checkSaeLayer();
        List<Sample> samples = data.read();
        try (Model m = run.loadModel(ms.model);
             Engine e = run.openEngine(m);
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(ms.layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            Map<Integer, HookedEncoding.LayerStatistics> stats;
            try (Progress bar = Progress.bar("analyze", samples.size())) {
                stats = HookedEncoding.run(e, samples, Map.of(block, ns), position, run.batch, 100, bar::stepTo);
            }
            HookedEncoding.LayerStatistics ls = stats.get(block);
            StudyConfig cfg = StudyConfig.builder().layer(ms.layer).layerConvention(conv == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block")
                    .position(position).bands(ranks).mode(analysisMode)
                    .saeDescription("K=" + s.defaultK() + ", d=" + s.numLatents())
                    .modelDescription(m.info().description() + " (" + ms.model.getFileName() + ")")
                    .datasetDescription(samples.size() + " samples from " + data.file().getFileName()).build();
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
