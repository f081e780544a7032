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
        Options opts = new OptionsBuilder().include(PrefillBenchmark.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(opts).run();

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
        md.append("# Prefill with the capture hook vs plain llama.cpp (").append(LocalDate.now()).append(", ").append(machine)
                .append(")\n\n");
        md.append("Command: `java -cp bench/target/llama-sae-bench.jar io.llamasae.bench.BenchReport`\n\n");
        md.append("Model: generated llama architecture, 8 blocks, n_embd 256, n_ff 768, F16 weights; 32 prompts, ")
                .append(tokens).append(" tokens per batched run; ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores. SAEs for `capture-encode-all`: F = 4096, k = 32, topk-relu, one per block.\n\n");
        md.append("| mode | ms per run (± 99.9% CI) | tokens/s | time vs plain |\n|---|---|---|---|\n");
        for (var e : byMode.entrySet()) {
            double ms = e.getValue()[0];
            md.append(String.format("| %s | %.2f ± %.2f | %.0f | %.3f |%n", e.getKey(), ms, e.getValue()[1], tokens / (ms / 1000.0),
                    ms / plain));
        }
        Files.createDirectories(dir);
        Path out = dir.resolve(LocalDate.now() + "-" + machine + "-prefill.md");
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.out.println("wrote " + out);
    }
}
