package io.llamasae.bench;

import io.llamasae.engine.Model;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link PrefillBenchmark} and writes tokens/s and the ratios against the plain llama.cpp
 * run measured in the same JMH run to {@code bench/results/<date>-<machine>-prefill.md}.
 * Usage: {@code java -cp bench/target/llama-sae-bench.jar io.llamasae.bench.BenchReport [results-dir]}.
 */
public final class BenchReport {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/results");
        Options opts = new OptionsBuilder().include(PrefillBenchmark.class.getSimpleName())
                .include(GenerationBenchmark.class.getSimpleName()).build();
        Collection<RunResult> all = new Runner(opts).run();
        Collection<RunResult> results = all.stream().filter(r -> r.getParams().getBenchmark().contains("Prefill")).toList();
        Collection<RunResult> gen = all.stream().filter(r -> r.getParams().getBenchmark().contains("Generation")).toList();

        int tokens;
        try (Model m = Model.load(BenchModels.model())) {
            tokens = BenchModels.prompts(32).stream().mapToInt(p -> m.tokenize(p, true).length).sum();
        }
        Map<String, double[]> byMode = new LinkedHashMap<>();
        for (RunResult r : results) {
            String mode = r.getParams().getParam("mode");
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            byMode.put(mode, new double[] {ms, err});
        }
        double plain = byMode.get("plain")[0];
        StringBuilder md = new StringBuilder();
        String machine = InetAddress.getLocalHost().getHostName();
        md.append("# Engine benchmarks: the hook vs plain llama.cpp (").append(LocalDate.now()).append(", ").append(machine)
                .append(")\n\n");
        md.append("Command: `java -cp bench/target/llama-sae-bench.jar io.llamasae.bench.BenchReport`\n\n");
        md.append("Model: generated llama architecture, 8 blocks, n_embd 256, n_ff 768, F16 weights; 32 prompts, ")
                .append(tokens).append(" tokens per batched run; ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores. SAEs for `capture-encode-all`: F = 4096, k = 32, topk-relu, one per block.\n\n");
        md.append("## Prefill\n\n| mode | ms per run (± 99.9% CI) | tokens/s | time vs plain |\n|---|---|---|---|\n");
        for (var e : byMode.entrySet()) {
            double ms = e.getValue()[0];
            md.append(String.format("| %s | %.2f ± %.2f | %.0f | %.3f |%n", e.getKey(), ms, e.getValue()[1], tokens / (ms / 1000.0),
                    ms / plain));
        }
        md.append("\n## Generation with interventions at every block vs plain llama.cpp\n\n");
        md.append("8 prompts generated together, greedy, ").append(GenerationBenchmark.NEW_TOKENS)
                .append(" new tokens each (EOS can stop a sequence early; the model rarely emits it); edits: scale one latent ×2 and ")
                .append("ablate another at every block (SAE F = 4096, k = 32 per block), at every prompt and generated token.\n\n");
        md.append("| mode | ms per generate call (± 99.9% CI) | new tokens/s (upper bound: 8 × 32 per call) | time vs plain |\n|---|---|---|---|\n");
        double genPlain = gen.stream().filter(r -> r.getParams().getParam("mode").equals("plain")).findFirst()
                .map(r -> r.getPrimaryResult().getScore()).orElse(Double.NaN);
        for (RunResult r : gen) {
            double ms = r.getPrimaryResult().getScore();
            md.append(String.format("| %s | %.2f ± %.2f | %.0f | %.3f |%n", r.getParams().getParam("mode"), ms,
                    r.getPrimaryResult().getScoreError(), 8 * GenerationBenchmark.NEW_TOKENS / (ms / 1000.0), ms / genPlain));
        }
        Files.createDirectories(dir);
        Path out = dir.resolve(LocalDate.now() + "-" + machine + "-engine.md");
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.out.println("wrote " + out);
    }
}
