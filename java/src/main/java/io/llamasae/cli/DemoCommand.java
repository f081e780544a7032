package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.study.Demo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama-sae demo}: the whole study on the shipped arithmetic model next to its random-init control. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the feature-specialization study on the shipped arithmetic model and on its random-init twin (the control), "
                + "side by side: accuracy, SAE quality, labels in both modes, enrichment, ablations, operation-level tests, dashboards.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-report", description = "Output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--samples", defaultValue = "" + Demo.DEFAULT_SAMPLES, converter = Converters.Positive.class,
            description = "Study problems, at least 20 (default ${DEFAULT-VALUE}); the SAEs train on every token of the first min("
                    + Demo.MAX_SAE_SEQUENCES + ", N)")
    int samples;

    @Option(names = "--held-out", defaultValue = "" + Demo.DEFAULT_HELD_OUT, converter = Converters.Positive.class,
            description = "Held-out problems for the accuracy table, 10..500 (default ${DEFAULT-VALUE}); validation ablates on the "
                    + "first min(" + Demo.MAX_VALIDATION_PROBLEMS + ", N)")
    int heldOut;

    @Option(names = "--seed", defaultValue = "2025", description = "Seed of the study problems and of SAE training (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--mode", defaultValue = "sound", converter = Converters.Mode.class,
            description = "Mode of the per-model reports: sound (default) or seed; the comparison shows both")
    AnalysisMode mode;

    @Option(names = "--threads", defaultValue = "0", converter = RunOptions.Threads.class, description = "CPU threads, 0..512 (0 = all cores)")
    int threads;

    @Override
    public Integer call() throws Exception {
        Demo d = Demo.of(out, samples, heldOut, seed, mode, threads);
        d.run(System.err);
        System.out.println("report: " + out.resolve("report.md"));
        return 0;
    }
}
