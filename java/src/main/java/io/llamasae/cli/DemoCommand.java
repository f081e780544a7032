package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.study.Demo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama-sae demo}: the whole study on data, model and SAEs it makes itself. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole feature-specialization study on a synthetic dataset, a generated model and SAEs trained on the spot.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-report", description = "Output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--samples", defaultValue = "1500", converter = Converters.Positive.class, description = "Synthetic problems (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seed", defaultValue = "2025", description = "Seed of dataset, model and training")
    long seed;

    @Option(names = "--mode", defaultValue = "sound", converter = Converters.Mode.class,
            description = "sound (default) or seed (the reference rules)")
    AnalysisMode mode;

    @Option(names = "--threads", defaultValue = "0", converter = RunOptions.Threads.class, description = "CPU threads, 0..512 (0 = all cores)")
    int threads;

    @Override
    public Integer call() throws Exception {
        Demo d = Demo.defaults(out);
        d = new Demo(out, samples, seed, d.blocks(), d.position(), d.latents(), d.k(), d.epochs(), d.bands(), mode,
                threads);
        d.run(System.err);
        System.out.println("report: " + out.resolve("feature-specialization-report.md"));
        return 0;
    }
}
