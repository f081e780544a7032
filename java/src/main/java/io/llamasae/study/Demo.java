package io.llamasae.study;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Capture;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.train.TopKSaeTrainer;
import io.llamasae.sae.train.TrainConfig;
import io.llamasae.sae.train.TrainResult;
import io.llamasae.validation.ValidationConfig;
import io.llamasae.validation.ValidationExperiments;
import io.llamasae.validation.ValidationReportWriter;
import io.llamasae.validation.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default: the whole study on data the tool makes itself. A seeded synthetic
 * GSM8K-style dataset and a small generated llama-architecture model; capture at two layers in one
 * pass; a Top-K SAE trained on the spot per layer; the SAEs attached in the hook for a second pass
 * that encodes inside the forward pass; ranking, taxonomy, causal validation at the first block, and
 * the full report.
 *
 * @param samples   synthetic problems
 * @param blocks    llama.cpp blocks analysed
 * @param position  token position analysed (-1: the last prompt token, which has seen the question)
 * @param latents   SAE dictionary size (the reference study used 512)
 * @param k         SAE Top-K
 */
public record Demo(Path out, int samples, long seed, List<Integer> blocks, int position, int latents, int k, int epochs,
                   String bands, AnalysisMode mode, int threads) {

    public static Demo defaults(Path out) {
        return new Demo(out, 1500, 2025, List.of(1, 3), -1, 512, 16, 8, "1-20,50-200,400-512", AnalysisMode.SOUND, 0);
    }

    /** Runs every step, logging progress to {@code log}; returns the files of the report. */
    public List<Path> run(PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        // 1. Data: GSM8K-style word problems whose chain of thought is a list of equations.
        List<Sample> data = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(seed).build())
                .generate(samples);
        Path dataFile = out.resolve("data/synthetic-gsm8k.jsonl");
        Files.createDirectories(dataFile.getParent());
        SyntheticArithmeticGenerator.writeGsm8kJsonl(data, dataFile);
        step(log, t0, "dataset: " + data.size() + " synthetic problems -> " + dataFile);

        // 2. Model: a small llama-architecture GGUF with a real SentencePiece-style vocabulary.
        Path modelFile = out.resolve("model/demo-llama-4x64.gguf");
        Files.createDirectories(modelFile.getParent());
        TestModelGenerator.write(TestModelConfig.builder().nLayer(4).nEmbd(64).nHead(4).nHeadKv(2).nFf(192).nCtx(2048)
                .weightType(GgmlType.F16).seed(seed).build(), modelFile);
        step(log, t0, "model: " + modelFile);

        List<StudyResult> results = new ArrayList<>();
        List<String> validationFiles = List.of();
        Map<Integer, MetricsSummary> saeMetrics = new LinkedHashMap<>();
        try (Model model = Model.load(modelFile);
             Engine engine = Engine.open(model, EngineOptions.defaults().withCtx(2048).withSeqMax(64).withThreads(threads))) {
            // 3. Capture both layers in one pass.
            Path acts = out.resolve("activations.safetensors");
            Capture.toSafetensors(engine, data.stream().map(Sample::id).toList(), data.stream().map(Sample::prompt).toList(),
                    CaptureSpec.of(blocks, List.of(position)), LayerConvention.LLAMA_CPP, acts, 64, null);
            step(log, t0, "captured blocks " + blocks + " at position " + position + " -> " + acts);

            // 4. Train one Top-K SAE per layer (AuxK on), saved in SAELens format.
            Map<Integer, NativeSae> saes = new LinkedHashMap<>();
            try {
                try (SafetensorsReader r = SafetensorsReader.open(acts)) {
                    for (int b : blocks) {
                        float[] x = r.readFloats("layer" + b + ".pos" + position);
                        int d = model.info().nEmbd();
                        TrainConfig cfg = TrainConfig.builder().k(k).latents(latents).epochs(epochs).batchSize(256).seed(seed + b).build();
                        TrainResult tr = TopKSaeTrainer.train(x, x.length / d, d, cfg);
                        TopKSaeTrainer.writeResult(tr, out.resolve("sae/layer" + b + "-pos" + position), Map.of("hook_name", "blocks." + b + ".hook_resid_post", "hook_layer", b));
                        saes.put(b, NativeSae.of(tr.sae()));
                        step(log, t0, String.format("SAE for block %d: F=%d k=%d, explained variance %.3f, dead %.1f%%", b, latents, k,
                                tr.finalMetrics().explainedVariance(), 100 * tr.finalMetrics().deadFraction()));
                    }
                }
                // 5. One pass encodes inside the forward pass and accumulates statistics and metrics there.
                PassSpec spec = PassSpec.builder(CaptureSpec.of(blocks, List.of(position))).saes(saes)
                        .outputs(PassOutput.STATISTICS, PassOutput.METRICS).topN(100).batchSize(64).build();
                PassResult stats = Pass.run(engine, spec, PassInput.tokenize(engine, data.stream().map(Sample::id).toList(),
                        data.stream().map(Sample::prompt).toList(), 0));
                step(log, t0, "encoded inside the hook at blocks " + blocks);

                // 6. Ranking, taxonomy, enrichment, swap feasibility.
                for (int b : blocks) {
                    RowBlock at = RowBlock.position(position);
                    saeMetrics.put(b, stats.metrics(b, at).summary());
                    StudyConfig cfg = StudyConfig.builder().layer(b).layerConvention("llama.cpp block").position(position).bands(bands)
                            .mode(mode).saeDescription("K=" + k + ", d=" + latents)
                            .modelDescription("generated llama-architecture model, 4 blocks, n_embd 64 (" + modelFile.getFileName() + ")")
                            .datasetDescription(data.size() + " synthetic GSM8K-style problems (seed " + seed + ")").build();
                    results.add(StudyAnalysis.run(stats.statistics(b, at), data, cfg));
                }

                // 7. Causal validation at the first block: sanity checks and ablation of the top features
                //    (greedy generation; the generated model answers nothing right, so accuracy deltas are
                //    zero, but KL, impact and the sanity checks are real measurements).
                int vb = blocks.get(0);
                ValidationConfig vcfg = ValidationConfig.builder().block(vb).position(position).topFeatures(5).maxTokens(8)
                        .amplify(List.of()).swaps(List.of()).build();
                List<Sample> subset = data.subList(0, Math.min(200, data.size()));
                ValidationResult vr = new ValidationExperiments(engine, saes.get(vb), vcfg).run(subset,
                        new ValidationResult.Provenance(modelFile.getFileName().toString(), "demo SAE block " + vb, "synthetic"), null);
                validationFiles = ValidationReportWriter.write(out, vr, true);
                step(log, t0, "validation at block " + vb + ": sanity checks " + (vr.sanity().passed() ? "passed" : "FAILED")
                        + ", top 5 features ablated on " + subset.size() + " problems");
            } finally {
                saes.values().forEach(NativeSae::close);
            }
        }
        List<Path> written = new ArrayList<>(StudyReportWriter.write(out, results, true));
        for (String f : validationFiles) written.add(out.resolve(f));
        written.add(DemoSummary.write(out, this, saeMetrics, written));
        step(log, t0, "report: " + out.resolve(StudyReportWriter.REPORT_NAME));
        return written;
    }

    private static void step(PrintStream log, long t0, String what) {
        log.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, what);
    }
}
