package io.llamasae.study;

import io.llamasae.sae.MetricsSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** {@code demo-summary.md}: what the demo made, the SAEs' reconstruction metrics, and where every file is. */
final class DemoSummary {
    static final String NAME = "demo-summary.md";

    private DemoSummary() {}

    static Path write(Path out, Demo demo, Map<Integer, MetricsSummary> metrics, List<Path> files) throws IOException {
        StringBuilder md = new StringBuilder("# llama-sae demo\n\n");
        md.append("Everything here was made by `llama-sae demo`: ").append(demo.samples())
                .append(" synthetic GSM8K-style problems (seed ").append(demo.seed())
                .append("), a generated 4-block llama-architecture model (n_embd 64, F16), residual activations captured at blocks ")
                .append(demo.blocks()).append(" (llama.cpp numbering), position ").append(demo.position())
                .append(", one Top-K SAE per block trained on them (F = ").append(demo.latents()).append(", k = ").append(demo.k())
                .append(", AuxK on), and the SAE codes computed inside llama.cpp's forward pass for the analysis in `")
                .append("feature-specialization-report.md` (mode ").append(demo.mode().label()).append(").\n\n");
        md.append("## SAE reconstruction on the analysed pass\n\n");
        md.append("Explained variance = 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over all rows.\n\n");
        md.append("| block | rows | MSE | explained variance | mean cosine | L0 | dead latents |\n|---|---|---|---|---|---|---|\n");
        for (var e : metrics.entrySet()) {
            MetricsSummary m = e.getValue();
            md.append(String.format("| %d | %d | %.5g | %.4f | %.4f | %.2f | %d (%.1f%%) |%n", e.getKey(), m.rows(), m.mse(),
                    m.explainedVariance(), m.meanCosine(), m.l0(), m.deadLatents(), 100 * m.deadFraction()));
        }
        md.append("\n## Files\n\n");
        md.append("- `data/synthetic-gsm8k.jsonl`, `model/*.gguf`, `activations.safetensors`, `sae/layer*-pos*/` (SAELens format + metrics.json)\n");
        for (Path p : files) md.append("- `").append(out.relativize(p)).append("`\n");
        Path file = out.resolve(NAME);
        Path tmp = Files.createTempFile(out, ".demo-summary", ".tmp");
        Files.writeString(tmp, md.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }
}
