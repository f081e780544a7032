package io.llamasae.study;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.CentroidProbe;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.SoundRules;
import io.llamasae.analysis.StudyAnalysis;
import io.llamasae.analysis.StudyConfig;
import io.llamasae.analysis.StudyResult;
import io.llamasae.dashboard.ContextPass;
import io.llamasae.dashboard.DashboardOptions;
import io.llamasae.dashboard.DashboardWriter;
import io.llamasae.dashboard.FeatureDashboard;
import io.llamasae.dashboard.InterventionResults;
import io.llamasae.dashboard.PromptTokenContexts;
import io.llamasae.dashboard.TokenText;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.lm.ArithmeticTask;
import io.llamasae.lm.GreedyAccuracy;
import io.llamasae.report.StudyReportWriter;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.train.TopKSaeTrainer;
import io.llamasae.sae.train.TrainConfig;
import io.llamasae.sae.train.TrainResult;
import io.llamasae.validation.SpecializedTarget;
import io.llamasae.validation.ValidationConfig;
import io.llamasae.validation.ValidationExperiments;
import io.llamasae.validation.ValidationReportWriter;
import io.llamasae.validation.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * The demo's study on ONE model (the trained one or its control), written to its own folder:
 * <ol>
 *   <li>an SAE per block, trained on the residual stream of every token of the reference sequences
 *       (question + chain of thought), so its codes are in distribution wherever the validation's
 *       edits act;</li>
 *   <li>one pass over the study inputs (question + chain up to the anchor) that encodes inside the
 *       forward pass at the anchor: statistics and reconstruction metrics;</li>
 *   <li>ranking, taxonomy and enrichment in both modes;</li>
 *   <li>causal validation at the first block: top features by frequency and the most frequent
 *       sound-mode operation-specialized feature of each operation, ablated at every position and
 *       generated token, with the operation-level interaction test;</li>
 *   <li>greedy accuracy on the held-out problems (question only);</li>
 *   <li>the reference-style report, the validation report, the SAEs and the feature dashboard.</li>
 * </ol>
 */
final class ModelStudy {
    private ModelStudy() {}

    /**
     * One analysed block: the SAE's training, its statistics and metrics at the anchor, the analysis
     * in each mode, and how well the first operation reads out of the block's residual at the anchor
     * ({@link CentroidProbe}, 5-fold cross-validated).
     */
    record Layer(int block, TrainResult training, FeatureStatistics statistics, MetricsSummary atAnchor, Map<AnalysisMode, StudyResult> analyses,
                 double operationProbe) {
        StudyResult analysis(AnalysisMode mode) {
            return analyses.get(mode);
        }
    }

    /**
     * The study of one model.
     *
     * @param role       trained model or control
     * @param model      its GGUF
     * @param accuracy   greedy accuracy on the held-out problems (question only)
     * @param layers     per analysed block, in the demo's order
     * @param validation causal validation at the first block
     * @param files      files written under the model's folder
     * @param seconds    wall time of each step
     */
    record Result(Role role, Path model, GreedyAccuracy accuracy, List<Layer> layers, ValidationResult validation, List<Path> files,
                  Map<String, Double> seconds) {}

    /** Which of the two models. */
    enum Role {
        TRAINED("trained", "the shipped arithmetic model (trained)"),
        CONTROL("control", "its random-init twin (the same weights before training; computes nothing)");

        final String folder;
        final String description;

        Role(String folder, String description) {
            this.folder = folder;
            this.description = description;
        }
    }

    static Result run(Demo demo, Role role, Path gguf, List<Sample> study, List<Sample> heldOut, PrintStream log, long t0) throws IOException {
        Path dir = demo.out().resolve(role.folder);
        Files.createDirectories(dir);
        Map<String, Double> seconds = new LinkedHashMap<>();
        long start = System.nanoTime();
        long[] mark = {start};
        java.util.function.Consumer<String> step = what -> {
            long now = System.nanoTime();
            seconds.put(what, (now - mark[0]) / 1e9);
            mark[0] = now;
            log.printf("[%5.1fs] %s: %s%n", (now - t0) / 1e9, role.folder, what);
        };
        List<Sample> anchoredStudy = study.stream().map(demo.anchor()::anchored).toList();
        List<Sample> anchoredValidation = heldOut.subList(0, demo.validationProblems()).stream().map(demo.anchor()::anchored).toList();
        String modelText = role.description + " (" + gguf.getFileName() + "); compare every finding with the other model in ../"
                + ControlComparison.REPORT_NAME;
        List<Path> files = new ArrayList<>();
        try (Model model = Model.load(gguf);
             Engine prefill = Engine.open(model, EngineOptions.defaults().withCtx(2048).withSeqMax(64).withThreads(demo.threads()));
             Engine generation = Engine.open(model, EngineOptions.defaults().withKvPerSequence(true).withSeqMax(demo.generationBatch())
                     .withCtx(Math.max(GreedyAccuracy.longestPrompt(model, heldOut), GreedyAccuracy.longestPrompt(model, anchoredValidation))
                             + demo.maxTokens()).withThreads(demo.threads()))) {
            // 1. SAEs on every token of the reference sequences.
            List<TrainResult> trained = trainSaes(demo, prefill, study.subList(0, demo.saeSequences()));
            step.accept("SAEs trained on every token of " + demo.saeSequences() + " reference sequences");
            Map<Integer, NativeSae> saes = new LinkedHashMap<>();
            try {
                for (int i = 0; i < demo.blocks().size(); i++) saes.put(demo.blocks().get(i), NativeSae.of(trained.get(i).sae()));
                // 2. One pass at the anchor: statistics and metrics computed in the forward pass.
                RowBlock at = RowBlock.position(-1);
                PassSpec spec = PassSpec.builder(CaptureSpec.of(demo.blocks(), List.of(-1))).saes(saes)
                        .outputs(PassOutput.ROWS, PassOutput.STATISTICS, PassOutput.METRICS).topN(100).batchSize(64).build();
                int d = model.info().nEmbd();
                float[][][] rows = new float[demo.blocks().size()][anchoredStudy.size()][];
                PassResult pass = Pass.run(prefill, spec, PassInput.tokenize(prefill, ids(anchoredStudy), prompts(anchoredStudy), 0),
                        new PassConsumer() {
                            @Override
                            public void accept(PassBatch batch) {
                                for (int j = 0; j < rows.length; j++) {
                                    for (int i = 0; i < batch.size(); i++) {
                                        rows[j][batch.from() + i] = new float[d];
                                        batch.result().rows(j, 0).get(i * d, rows[j][batch.from() + i]);
                                    }
                                }
                            }
                        });
                int[] firstOperation = anchoredStudy.stream().mapToInt(x -> x.operationSequence().get(0).ordinal()).toArray();
                step.accept("encoded " + anchoredStudy.size() + " study inputs at the anchor inside the forward pass");

                // 3. Both modes for every block.
                List<Layer> layers = new ArrayList<>();
                for (int i = 0; i < demo.blocks().size(); i++) {
                    int b = demo.blocks().get(i);
                    Map<AnalysisMode, StudyResult> analyses = new EnumMap<>(AnalysisMode.class);
                    for (AnalysisMode mode : AnalysisMode.values()) {
                        analyses.put(mode, StudyAnalysis.run(pass.statistics(b, at), anchoredStudy, studyConfig(demo, b, mode, modelText)));
                    }
                    layers.add(new Layer(b, trained.get(i), pass.statistics(b, at), pass.metrics(b, at).summary(), analyses,
                            CentroidProbe.crossValidatedAccuracy(rows[i], firstOperation, Operation.values().length, 5)));
                }
                step.accept("ranking, taxonomy and enrichment in both modes");

                // 4. Causal validation at the first block.
                int vb = demo.blocks().get(0);
                List<SpecializedTarget> targets = operationTargets(layers.get(0).analysis(AnalysisMode.SOUND));
                ValidationConfig vcfg = ValidationConfig.builder().block(vb).position(-1).topFeatures(demo.topFeatures())
                        .maxTokens(demo.maxTokens()).maxPromptsPerCall(demo.generationBatch()).amplify(List.of()).swaps(List.of())
                        .specialized(targets).build();
                ValidationResult validation = new ValidationExperiments(generation, saes.get(vb), vcfg).run(anchoredValidation,
                        new ValidationResult.Provenance(gguf.getFileName().toString(), "demo SAE, block " + vb,
                                anchoredValidation.size() + " held-out problems, question + chain up to the anchor (" + demo.anchor().label() + ")"),
                        null);
                for (String f : ValidationReportWriter.write(dir, validation, demo.plots())) files.add(dir.resolve(f));
                step.accept("validation at block " + vb + ": " + validation.general().size() + " top features and " + targets.size()
                        + " operation features ablated on " + anchoredValidation.size() + " problems");

                // 5. Accuracy on the held-out problems, question only.
                GreedyAccuracy accuracy = GreedyAccuracy.measure(generation, heldOut, demo.maxTokens(), demo.generationBatch(), null);
                step.accept("greedy accuracy on " + heldOut.size() + " held-out problems: " + ControlComparison.pct(accuracy.accuracy()));

                // 6. SAEs, dashboard (the first block's validation on its pages) and the reference-style report.
                for (Layer l : layers) {
                    TopKSaeTrainer.writeResult(l.training(), dir.resolve("sae/layer" + l.block() + "-pos-1"),
                            Map.of("hook_name", "blocks." + l.block() + ".hook_resid_post", "hook_layer", l.block()));
                }
                Path validationFile = files.stream().filter(p -> p.getFileName().toString().startsWith("validation_results_")).findFirst()
                        .orElseThrow();
                files.add(writeDashboard(demo, role, prefill, saes, layers, anchoredStudy, dir.resolve("dashboard"), validationFile, modelText));
                List<StudyResult> reported = layers.stream().map(l -> l.analysis(demo.mode())).toList();
                files.addAll(StudyReportWriter.write(dir, reported, demo.plots(),
                        new PromptTokenContexts(model, anchoredStudy, "dashboard/" + DashboardWriter.INDEX, 8, 2)));
                step.accept("reports, SAEs and dashboard written to " + dir);
                return new Result(role, gguf, accuracy, layers, validation, files, seconds);
            } finally {
                for (int b : saes.keySet()) {
                    prefill.attachSae(b, null, 0);
                    generation.attachSae(b, null, 0);
                }
                saes.values().forEach(NativeSae::close);
            }
        }
    }

    /**
     * Trains one SAE per block on the residual rows of every token of {@code sequences} (prompt plus
     * the reference chain and answer), the blocks in parallel on the study's threads (the trainer's
     * own arithmetic is single-threaded and seeded, so results do not depend on the thread count).
     */
    private static List<TrainResult> trainSaes(Demo demo, Engine engine, List<Sample> sequences) throws IOException {
        List<String> texts = sequences.stream().map(s -> s.prompt() + ArithmeticTask.target(s)).toList();
        PassInput input = PassInput.tokenize(engine, ids(sequences), texts, 0);
        int d = engine.model().info().nEmbd();
        long rows = input.tokens().stream().mapToLong(t -> t.length).sum();
        List<float[]> x = new ArrayList<>();
        for (int i = 0; i < demo.blocks().size(); i++) x.add(new float[Math.toIntExact(Math.multiplyExact(rows, d))]);
        int[] filled = {0};
        PassSpec spec = PassSpec.builder(CaptureSpec.allPositions(demo.blocks())).outputs(PassOutput.ROWS).batchSize(32).build();
        Pass.run(engine, spec, input, new PassConsumer() {
            @Override
            public void accept(PassBatch b) {
                int n = Math.toIntExact(b.result().nRows());
                for (int i = 0; i < x.size(); i++) b.result().rows(i, 0).get(0, x.get(i), filled[0] * d, n * d);
                filled[0] += n;
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(x.size(), Math.max(1, demo.threads())), r -> {
            Thread t = new Thread(r, "demo-sae-train");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TrainResult>> futures = new ArrayList<>();
            for (int i = 0; i < x.size(); i++) {
                float[] rowsOfBlock = x.get(i);
                TrainConfig cfg = TrainConfig.builder().k(demo.k()).latents(demo.latents()).epochs(demo.epochs()).batchSize(256)
                        .seed(demo.seed() + demo.blocks().get(i)).build();
                futures.add(pool.submit(() -> TopKSaeTrainer.train(rowsOfBlock, Math.toIntExact(rows), d, cfg)));
            }
            List<TrainResult> out = new ArrayList<>();
            for (Future<TrainResult> f : futures) out.add(Demo.result(f));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static StudyConfig studyConfig(Demo demo, int block, AnalysisMode mode, String modelText) {
        return StudyConfig.builder().layer(block).layerConvention("llama.cpp block").position(-1).bands(demo.bands()).mode(mode)
                .saeDescription("Top-K SAE, K=" + demo.k() + ", d=" + demo.latents() + ", trained on every token of " + demo.saeSequences()
                        + " reference sequences")
                .modelDescription(modelText)
                .datasetDescription(demo.samples() + " synthetic problems (generator preset lm, seed " + demo.seed()
                        + "); input = question + reference chain of thought up to the anchor `" + demo.anchor().label()
                        + "`, analysed at its last token (position -1)").build();
    }

    /**
     * The validation's operation targets: per operation, the most frequent feature that sound mode
     * labels operation-specialized with that operation (in any rank band).
     */
    static List<SpecializedTarget> operationTargets(StudyResult sound) {
        Map<Operation, FeatureAnalysis> best = new EnumMap<>(Operation.class);
        for (BandResult b : sound.bands()) {
            for (FeatureAnalysis f : b.features()) {
                if (!SoundRules.OPERATION_SPECIALIZED.equals(f.type())) continue;
                Operation op;
                try {
                    op = Operation.fromLabel(f.description());
                } catch (IllegalArgumentException e) {
                    continue;
                }
                FeatureAnalysis seen = best.get(op);
                if (seen == null || f.rank() < seen.rank()) best.put(op, f);
            }
        }
        List<SpecializedTarget> out = new ArrayList<>();
        best.values().forEach(f -> out.add(new SpecializedTarget(f.featureId(), f.type(), f.description())));
        return out;
    }

    /** One context pass for every block, then a dashboard section per block; the first block's pages show the validation. */
    private static Path writeDashboard(Demo demo, Role role, Engine engine, Map<Integer, NativeSae> saes, List<Layer> layers,
                                       List<Sample> samples, Path dashboard, Path validationFile, String modelText) {
        DashboardOptions o = DashboardOptions.defaults().withBatch(32);
        SortedSet<Integer> wanted = new TreeSet<>();
        for (Layer l : layers) wanted.addAll(FeatureDashboard.contextSamples(l.statistics(), o));
        ContextPass.Result ctx = ContextPass.run(engine, saes, samples, wanted, o.batch());
        Map<Integer, String> texts = new HashMap<>();
        IntFunction<String> text = id -> texts.computeIfAbsent(id, t -> TokenText.of(engine.model(), t));
        InterventionResults validation = InterventionResults.read(validationFile);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            FeatureDashboard.Section section = FeatureDashboard.build(new FeatureDashboard.SectionSource(l.block(),
                    studyConfig(demo, l.block(), demo.mode(), modelText), l.statistics(), saes.get(l.block()).sae(), engine.model().path(), text),
                    samples, ctx, i == 0 ? validation : null, o);
            DashboardWriter.writeSection(dashboard, section);
        }
        return DashboardWriter.writeSite(dashboard, "Features of the " + role.folder + " model: " + role.description);
    }

    private static List<String> ids(List<Sample> samples) {
        return samples.stream().map(Sample::id).toList();
    }

    private static List<String> prompts(List<Sample> samples) {
        return samples.stream().map(Sample::prompt).toList();
    }
}
