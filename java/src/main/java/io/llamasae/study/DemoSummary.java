package io.llamasae.study;

import io.llamasae.io.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code demo-summary.md}: what the demo ran, how long each step took, and where every file is. */
final class DemoSummary {
    static final String NAME = "demo-summary.md";

    private DemoSummary() {}

    static Path write(Demo demo, ModelStudy.Result trained, ModelStudy.Result control, List<Path> files, double totalSeconds) {
        Path out = demo.out();
        StringBuilder md = new StringBuilder("# llama-sae demo\n\n");
        md.append("Everything here was made by `llama-sae demo`; the findings are in [`").append(ControlComparison.REPORT_NAME)
                .append("`](").append(ControlComparison.REPORT_NAME).append(") (the trained model next to its random-init control).\n\n");
        md.append(String.format(Locale.ROOT, "Whole run: %.1f s of wall time on %s (load average at the end: %s).%n%n", totalSeconds,
                Runtime.getRuntime().availableProcessors() + " cores", loadAverage()));
        md.append("| step | trained (s) | control (s) |\n|---|---:|---:|\n");
        List<String> steps = List.copyOf(trained.seconds().keySet());
        List<String> other = List.copyOf(control.seconds().keySet());
        for (int i = 0; i < steps.size(); i++) {
            double c = i < other.size() ? control.seconds().get(other.get(i)) : Double.NaN;
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", steps.get(i), trained.seconds().get(steps.get(i)), c));
        }
        md.append("\n## Files\n\n");
        md.append("- `data/`: the study inputs (GSM8K jsonl whose `prompt` field is the question plus the chain up to the anchor) and the "
                + "held-out problems; `model/`: the trained model and its twin (extracted from the jar)\n");
        md.append("- `trained/`, `control/`: per model the reference-style report, JSON files, plots, `validation.md`, the SAEs "
                + "(`sae/layer{L}-pos-1/`, SAELens format) and the feature dashboard (`dashboard/index.html`)\n");
        for (Path p : files) md.append("- `").append(out.relativize(p)).append("`\n");
        Path file = out.resolve(NAME);
        AtomicFiles.writeString(file, md.toString());
        return file;
    }

    /** The first three fields of /proc/loadavg, or "unknown" off Linux. */
    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
