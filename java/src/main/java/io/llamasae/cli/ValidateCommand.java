package io.llamasae.cli;

import io.llamasae.analysis.FeasibilityConfig;
import io.llamasae.data.Dataset;
import io.llamasae.data.DatasetFormat;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.Engine;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.lm.GreedyAccuracy;
import io.llamasae.sae.Sae;
import io.llamasae.validation.AnswerExtractor;
import io.llamasae.validation.EditSpecs;
import io.llamasae.validation.FeaturePair;
import io.llamasae.validation.ImpactThresholds;
import io.llamasae.validation.InterventionScope;
import io.llamasae.validation.SpecializedTarget;
import io.llamasae.validation.ValidationConfig;
import io.llamasae.validation.ValidationExperiments;
import io.llamasae.validation.ValidationMarkdown;
import io.llamasae.validation.ValidationReportWriter;
import io.llamasae.validation.ValidationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae validate}: the reference study's causal validation (stories 4 and 5): sanity
 * checks, ablation of the top features by frequency with accuracy, McNemar and KL, amplification
 * sweeps, swaps and operation-level ablations; writes {@code validation_results_layer{L}_pos{P}.json},
 * {@code validation.md} and a PNG. Every spec is checked against the SAE before the model is loaded.
 * Exit code 1 when a sanity check fails (the report is still written).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Causal validation of SAE features: ablation ground truth, amplification, swaps, operation level.")
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ModelSaeOptions ms;

    @Mixin
    RunOptions run;

    @Option(names = "--dataset", required = true, description = "GSM8K jsonl, chain-of-thought jsonl or plain text")
    Path dataset;

    @Option(names = "--format", description = "Dataset format: gsm8k, cot or text (default: detected)")
    DatasetFormat format;

    @Option(names = "--skip-bad", description = "Skip malformed dataset lines (counted and reported) instead of failing")
    boolean skipBad;

    @Option(names = "--position", required = true, description = "Analysed token position (negative = from the end)")
    int position;

    @Option(names = "--top", defaultValue = "10", converter = Converters.NonNegative.class, description = "Most frequent features ablated one by one (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--amplify", description = "Feature to amplify by every --factors value (F or F@LAYER); repeatable")
    List<String> amplify = new ArrayList<>();

    @Option(names = "--factors", defaultValue = "2,5,10", split = ",", description = "Amplification factors (default ${DEFAULT-VALUE})")
    List<String> factors;

    @Option(names = "--swap", description = "Pair to swap, A:B; repeatable")
    List<String> swap = new ArrayList<>();

    @Option(names = "--operation", description = "Operation-level test: F=addition|subtraction|multiplication|division; repeatable")
    List<String> operation = new ArrayList<>();

    @Option(names = "--specialized",
            description = "activation_analysis_layer{L}_pos{P}_rank*.json: ablate its specialized_features (operation-specialized ones "
                    + "are also tested at the operation level); repeatable")
    List<Path> specialized = new ArrayList<>();

    @Option(names = "--scope", defaultValue = "all",
            description = "Where edits act: all (every prompt position and generated token, default) or position (only --position)")
    String scope;

    @Option(names = "--replace-with-reconstruction", description = "h' = decode(z') instead of h + W_dec^T (z' - z)")
    boolean reconstruction;

    @Option(names = "--limit", converter = Converters.Positive.class, description = "Use only the first N samples")
    Integer limit;

    @Option(names = "--max-tokens", defaultValue = "128", converter = Converters.Positive.class, description = "New tokens per generation (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--answer-regex", description = "Regex whose group 1 is the answer (default: #### n, else the last number)")
    String answerRegex;

    @Option(names = "--resamples", defaultValue = "2000", converter = Converters.Positive.class, description = "Bootstrap resamples (default ${DEFAULT-VALUE})")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--sanity-prompts", defaultValue = "8", converter = Converters.Positive.class, description = "Prompts used by the sanity checks (default ${DEFAULT-VALUE})")
    int sanityPrompts;

    @Option(names = "--high-impact", defaultValue = "0.1", converter = Converters.NonNegativeDouble.class, description = "mean_impact above this is HIGH (default ${DEFAULT-VALUE})")
    double highImpact;

    @Option(names = "--medium-impact", defaultValue = "0.01", converter = Converters.NonNegativeDouble.class, description = "mean_impact above this is MEDIUM (default ${DEFAULT-VALUE})")
    double mediumImpact;

    @Option(names = "--no-plots", description = "Skip the PNG")
    boolean noPlots;

    @Option(names = "--out", required = true, description = "Report folder")
    Path out;

    @Option(names = "--layers", description = "Validate several layers, e.g. 0,3,5 or all: --sae is then a folder of layer{L} SAEs "
            + "(as sweep --saes), each layer's report goes to OUT/layer{L}/; top-N ablations only (no per-feature options)")
    String layers;

    @Override
    public Integer call() throws Exception {
        if (layers == null) return validate();
        if (!amplify.isEmpty() || !swap.isEmpty() || !operation.isEmpty() || !specialized.isEmpty()) {
            throw new IllegalArgumentException("--layers: --amplify, --swap, --operation and --specialized name features of one layer; "
                    + "validate that layer with --layer");
        }
        if (ms.layer != null) throw new IllegalArgumentException("--layer / --layers: give one of them");
        if (ms.model == null || ms.sae == null) throw new IllegalArgumentException("--layers: expected --model and --sae (a folder of layer{L} SAEs)");
        int nLayer;
        try (Model m = Model.load(ms.model, 0)) {
            nLayer = m.info().nLayer();
        }
        java.util.Optional<List<Integer>> wanted = layers.trim().equalsIgnoreCase("all") ? java.util.Optional.empty()
                : java.util.Optional.of(io.llamasae.engine.CaptureSpec.parseInts(layers, "--layers"));
        var found = io.llamasae.sae.LayerSaes.find(ms.sae, ms.layerConvention(), nLayer, wanted, false);
        Path base = out;
        Path saes = ms.sae;
        int worst = 0;
        try {
            for (var e : found.entrySet()) {
                ms.layer = ms.layerConvention().fromBlock(e.getKey());
                ms.sae = e.getValue().path();
                out = base.resolve("layer" + ms.layer);
                worst = Math.max(worst, validate());
            }
        } finally {
            out = base;
            ms.sae = saes;
            ms.layer = null;
        }
        return worst;
    }

    /** Validates one layer (--layer, the SAE --sae) into --out. */
    private int validate() throws Exception {
        ms.require();
        // everything that can be checked without the model comes first
        LayerConvention conv = ms.layerConvention();
        InterveneCommand.checkLayer(ms.layer, conv);
        if (run.batch < 1 || run.batch > 256) throw new IllegalArgumentException("--batch: expected 1..256 but found " + run.batch);
        if (top < 0) throw new IllegalArgumentException("--top: expected >= 0 but found " + top);
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit: expected >= 1 but found " + limit);
        InterventionScope sc = InterventionScope.parse(scope);
        AnswerExtractor extractor = AnswerExtractor.withRegex(answerRegex);
        ImpactThresholds thresholds = new ImpactThresholds(highImpact, mediumImpact);
        List<Double> factorValues = new ArrayList<>();
        for (String f : factors) {
            float v = EditSpecs.parseFiniteValue(f, "--factors");
            factorValues.add((double) v);
        }
        Sae s = ms.loadSae();
        ms.checkSaeLayer();
        int nLatents = s.numLatents();
        List<Integer> amplified = new ArrayList<>();
        for (String a : amplify) {
            String body = EditSpecs.stripLayerSuffix(a, "--amplify", ms.layer);
            amplified.add(EditSpecs.checkLatent(EditSpecs.parseLatent(body, "--amplify", a), nLatents, "--amplify", a));
        }
        List<FeaturePair> pairs = new ArrayList<>();
        for (String p : swap) {
            FeaturePair fp = FeaturePair.parse(EditSpecs.stripLayerSuffix(p, "--swap", ms.layer));
            EditSpecs.checkLatent(fp.a(), nLatents, "--swap", p);
            EditSpecs.checkLatent(fp.b(), nLatents, "--swap", p);
            pairs.add(fp);
        }
        Map<Integer, Operation> ops = new LinkedHashMap<>();
        for (String o : operation) {
            int eq = o.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("--operation: expected F=addition|subtraction|multiplication|division but found '" + o + "'");
            int f = EditSpecs.checkLatent(EditSpecs.parseLatent(EditSpecs.stripLayerSuffix(o.substring(0, eq), "--operation", ms.layer),
                    "--operation", o), nLatents, "--operation", o);
            Operation op;
            try {
                op = Operation.fromLabel(o.substring(eq + 1).trim().toLowerCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--operation '" + o + "': " + e.getMessage());
            }
            if (ops.put(f, op) != null) throw new IllegalArgumentException("--operation: feature " + f + " given twice");
        }
        List<SpecializedTarget> targets = new ArrayList<>();
        for (Path file : specialized) {
            for (SpecializedTarget t : SpecializedTarget.read(file, ms.layer, position)) {
                EditSpecs.checkLatent(t.feature(), nLatents, "--specialized", file.toString());
                targets.add(t);
            }
        }
        DatasetReader.Options opts = DatasetReader.Options.defaults().withSkipBad(skipBad);
        if (format != null) opts = opts.withFormat(format);
        Dataset data = DatasetReader.read(dataset, opts);
        List<Sample> samples = limit == null ? data.samples() : data.samples().subList(0, Math.min(limit, data.samples().size()));
        if (samples.isEmpty()) throw new IllegalArgumentException(dataset + ": no samples");
        System.err.println(data.summary());

        try (Model m = run.loadModel(ms.model);
             Engine e = run.openGenerationEngine(m, GreedyAccuracy.longestPrompt(m, samples), maxTokens);
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(ms.layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            ValidationConfig cfg = ValidationConfig.builder().block(block, ms.layer, conv.label()).position(position).topFeatures(top)
                    .maxTokens(maxTokens).maxPromptsPerCall(run.generationBatch()).scope(sc).replaceWithReconstruction(reconstruction).amplify(amplified)
                    .factors(factorValues).swaps(pairs).operationFeatures(ops).specialized(targets).extractor(extractor).thresholds(thresholds)
                    .feasibility(FeasibilityConfig.defaults()).bootstrapResamples(resamples).seed(seed).sanityPrompts(sanityPrompts).build();
            ValidationExperiments exp = new ValidationExperiments(e, ns, cfg);
            ValidationResult result;
            try (Progress bar = Progress.bar("validate", 1)) {
                result = exp.run(samples, new ValidationResult.Provenance(m.info().description() + " (" + ms.model.getFileName() + ")",
                        s.toString(), samples.size() + " samples from " + dataset.getFileName()), (done, total) -> {
                    bar.maxHint(total);
                    bar.stepTo(done);
                });
            }
            List<String> files = ValidationReportWriter.write(out, result, !noPlots);
            System.out.println(ValidationMarkdown.render(result, null));
            System.out.println("wrote " + String.join(", ", files) + " to " + out);
            if (!result.sanity().passed()) {
                System.err.println("llama-sae validate: a sanity check failed (see " + ValidationReportWriter.MARKDOWN_NAME + ")");
                return 1;
            }
        }
        return 0;
    }
}
