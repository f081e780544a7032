package io.llamasae.bench;

import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.lm.ArithmeticTask;
import io.llamasae.lm.ChainAnchor;
import io.llamasae.lm.GreedyAccuracy;
import io.llamasae.lm.ShippedModel;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import io.llamasae.validation.ValidationConfig;
import io.llamasae.validation.ValidationExperiments;
import io.llamasae.validation.ValidationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Causal validation as {@code llama-sae validate --top 10} runs it (clean generation, sanity checks,
 * ten single-feature ablations at every position and generated token, bootstrap and McNemar) on
 * {@code N} problems of the demo model, against its baseline in the same process: the plain greedy
 * generation of the same prompts on the same engine (no SAE attached, no edits). Rounds alternate
 * baseline and validation; the medians and the per-round ratio are printed as a markdown table.
 *
 * <p>Usage: {@code java -cp bench/target/llama-sae-bench.jar io.llamasae.bench.ValidateBenchmark SAE_DIR [N=1000] [ROUNDS=3]
 * [THREADS=0]}, where SAE_DIR is a block-1 SAE of the shipped model, e.g. {@code demo-report/trained/sae/layer1-pos-1}.
 * The problems are the {@code lm} preset's (seed 9) as the demo validates them: the question plus
 * the reference chain up to the demo's anchor (the first operand's last digit), the model
 * completing the rest; the model is the one that ships in the jar.
 */
public final class ValidateBenchmark {
    static final int MAX_TOKENS = 48;
    static final int BATCH = 128;
    static final int TOP = 10;

    public static void main(String[] args) throws Exception {
        Path saeDir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Path dir = Files.createTempDirectory("validate-bench");
        Path gguf = ShippedModel.extract(dir).model();
        List<Sample> problems = new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(9)).generate(n).stream()
                .map(ChainAnchor.FIRST_OPERAND_END::anchored).toList();
        Sae sae = SaeLoader.load(saeDir, Optional.empty());
        System.out.println("load average before: " + loadAverage());
        double[] plain = new double[rounds];
        double[] validate = new double[rounds];
        try (Model model = Model.load(gguf); NativeSae ns = NativeSae.of(sae);
             Engine engine = Engine.open(model, EngineOptions.defaults().withKvPerSequence(true).withSeqMax(BATCH)
                     .withCtx(GreedyAccuracy.longestPrompt(model, problems) + MAX_TOKENS).withThreads(threads))) {
            GreedyAccuracy.measure(engine, problems.subList(0, Math.min(n, BATCH)), MAX_TOKENS, BATCH, null);  // warm-up
            ValidationConfig cfg = ValidationConfig.builder().block(1).position(-1).topFeatures(TOP).maxTokens(MAX_TOKENS)
                    .maxPromptsPerCall(BATCH).build();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                GreedyAccuracy acc = GreedyAccuracy.measure(engine, problems, MAX_TOKENS, BATCH, null);
                plain[r] = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                ValidationResult v = new ValidationExperiments(engine, ns, cfg).run(problems,
                        new ValidationResult.Provenance(gguf.getFileName().toString(), saeDir.toString(), n + " problems"), null);
                validate[r] = (System.nanoTime() - t0) / 1e9;
                long significant = v.general().stream().filter(f -> f.ablation() != null && f.ablation().mcNemarP() < 0.01).count();
                System.out.printf(Locale.ROOT, "round %d: plain generation %.2f s (accuracy %.3f), validate --top %d %.2f s "
                        + "(clean %.3f, %d of %d ablations at McNemar p < 0.01), ratio %.2f%n", r + 1, plain[r], acc.accuracy(), TOP,
                        validate[r], v.cleanAccuracy(), significant, v.general().size(), validate[r] / plain[r]);
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = validate[r] / plain[r];
        System.out.println("load average after: " + loadAverage());
        System.out.println();
        System.out.println("| problems | threads | plain generation (median s) | validate --top " + TOP + " (median s) | ratio (median of rounds) |");
        System.out.println("|---:|---:|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f |%n", n, threads == 0 ? "all" : String.valueOf(threads), median(plain),
                median(validate), median(ratio));
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String loadAverage() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
