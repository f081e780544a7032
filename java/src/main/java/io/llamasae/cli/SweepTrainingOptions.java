package io.llamasae.cli;

import io.llamasae.sae.Activation;
import io.llamasae.sweep.SweepTraining;
import picocli.CommandLine.Option;

/** The training options of {@code sweep --train} ({@code @Mixin}); K and the dictionary sizes are the sweep's --k and --latents. */
public final class SweepTrainingOptions {
    @Option(names = "--epochs", defaultValue = "10", description = "With --train: passes over the data (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", description = "With --train: Adam learning rate (default: 2e-4/sqrt(F/16384))")
    Double lr;

    @Option(names = "--train-batch", defaultValue = "128", description = "With --train: rows per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--aux-k-coef", defaultValue = "0.03125", description = "With --train: AuxK loss coefficient, 0 disables (default ${DEFAULT-VALUE})")
    double auxKCoef;

    @Option(names = "--activation", defaultValue = "topk-relu", description = "With --train: topk-relu or topk-abs (default ${DEFAULT-VALUE})")
    String activation;

    @Option(names = "--seed", defaultValue = "0", description = "With --train: random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--holdout", defaultValue = "0.1",
            description = "With --train: share of the samples (the last ones) held out of training; the spliced-in evaluation runs on "
                    + "them (default ${DEFAULT-VALUE})")
    double holdout;

    SweepTraining.Settings settings() {
        return new SweepTraining.Settings(epochs, lr, batch, auxKCoef, Activation.parse(activation), seed, holdout);
    }
}
