package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
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
import me.tongfei.progressbar.ProgressBar;
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

    @Option(names = "--mode", defaultValue = "sound", description = "sound (default) or seed (the reference rules, quirks included)")
    String mode;

    @Option(names = "--no-plots", description = "Skip the PNG plots")
    boolean noPlots;

    @Option(names = "--out", required = true, description = "Report folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        AnalysisMode analysisMode = AnalysisMode.parse(mode);
        LayerConvention conv = ms.layerConvention();
        Sae s = ms.loadSae();
        List<Sample> samples = data.read();
        try (Model m = Model.load(ms.model, run.gpuLayers());
             Engine e = Engine.open(m, run.engineOptions());
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(ms.layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            // One pass: codes, feature statistics and reconstruction sums computed inside the forward pass.
            PassSpec spec = PassSpec.builder(CaptureSpec.of(List.of(block), List.of(position))).sae(block, ns)
                    .outputs(PassOutput.STATISTICS, PassOutput.METRICS).topN(100).batchSize(run.batch).build();
            PassResult pass;
            try (ProgressBar bar = Progress.bar("analyze", samples.size())) {
                PassInput input = PassInput.tokenize(e, samples.stream().map(Sample::id).toList(), samples.stream().map(Sample::prompt).toList(), 0);
                pass = Pass.run(e, spec, input, PassConsumer.progress(bar::stepTo));
            }
            RowBlock at = RowBlock.position(position);
            StudyConfig cfg = StudyConfig.builder().layer(ms.layer).layerConvention(conv == LayerConvention.HF ? "hf hidden_states" : "llama.cpp block")
                    .position(position).bands(ranks).mode(analysisMode)
                    .saeDescription("K=" + s.defaultK() + ", d=" + s.numLatents())
                    .modelDescription(m.info().description() + " (" + ms.model.getFileName() + ")")
                    .datasetDescription(samples.size() + " samples from " + data.file().getFileName()).build();
            StudyResult result = StudyAnalysis.run(pass.statistics(block, at), samples, cfg);
            StudyReportWriter.write(out, List.of(result), !noPlots);
            var mt = pass.metrics(block, at).summary();
            System.out.printf("SAE on %d rows: explained variance %.4f, MSE %.5g, L0 %.2f, dead %.1f%%%n", mt.rows(), mt.explainedVariance(),
                    mt.mse(), mt.l0(), 100 * mt.deadFraction());
            System.out.println("report: " + out.resolve(StudyReportWriter.REPORT_NAME));
        }
        return 0;
    }
}
