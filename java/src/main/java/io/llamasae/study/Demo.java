package io.llamasae.study;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.lm.ArithmeticTask;
import io.llamasae.lm.ChainAnchor;
import io.llamasae.lm.GreedyAccuracy;
import io.llamasae.lm.ShippedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The embedded default: the whole study on a model that computes, next to its control. The
 * arithmetic model that ships in the jar (trained on chain-of-thought arithmetic, 98 % held-out
 * accuracy) and its random-init twin (the same weights before training) each get the same study
 * ({@link ModelStudy}) on the same token sequences; {@link ControlComparison} puts the two side by
 * side and says, from the numbers, what survives the control. Needs no training of the model, no
 * download and no {@code ../shared}.
 *
 * <p>Where the study looks: the input is the question plus the reference chain of thought up to
 * the {@code anchor} token and the analysed position is its last token, so both models read the
 * same tokens. The default anchor is the last digit of the first operand, where the model decides
 * which operator it writes next: there the trained model's residual stream carries the first
 * operation (read out linearly at ~100 % after block 1) while its twin's does not (~35 %); at the
 * last prompt token the twin carries more than the trained model (bench/results: the operation
 * probe), so a study there would mostly find what the control also shows.
 *
 * @param out                 output folder
 * @param samples             study problems (generator preset {@code lm}, seeded)
 * @param seed                seed of the study problems and of SAE training
 * @param blocks              llama.cpp blocks analysed; validation runs at the first
 * @param anchor              where in the input the residual stream is read
 * @param latents             SAE dictionary size
 * @param k                   SAE Top-K
 * @param epochs              SAE training epochs
 * @param saeSequences        study problems whose every token (question + chain) trains the SAEs
 * @param bands               rank bands of the analysis
 * @param mode                mode of the per-model reports (the comparison shows both)
 * @param threads             CPU threads (0 = all cores); the two studies run side by side, each with half
 * @param heldOut             held-out problems (never seen in training) for the accuracy table
 * @param validationProblems  the first held-out problems on which features are ablated
 * @param topFeatures         most frequent features ablated one by one
 * @param maxTokens           new tokens per generation
 * @param generationBatch     prompts generated together (one KV cache each)
 * @param plots               write PNG plots
 */
public record Demo(Path out, int samples, long seed, List<Integer> blocks, ChainAnchor anchor, int latents, int k, int epochs,
                   int saeSequences, String bands, AnalysisMode mode, int threads, int heldOut, int validationProblems, int topFeatures,
                   int maxTokens, int generationBatch, boolean plots) {
    public static final int DEFAULT_SAMPLES = 1500;
    public static final int DEFAULT_HELD_OUT = 500;
    /** The most reference sequences the SAEs train on (every token of each: ~60 rows per sequence). */
    public static final int MAX_SAE_SEQUENCES = 300;
    /** The most held-out problems the validation ablates on. */
    public static final int MAX_VALIDATION_PROBLEMS = 200;

    public Demo {
        blocks = List.copyOf(blocks);
        require(samples >= 20, "--samples: expected at least 20 study problems but found " + samples);
        require(heldOut >= 10 && heldOut <= ShippedModel.card().heldOut().count(), "--held-out: expected 10.."
                + ShippedModel.card().heldOut().count() + " held-out problems but found " + heldOut);
        require(saeSequences >= 1 && saeSequences <= samples, "demo: SAE sequences must be 1..samples, found " + saeSequences);
        require(validationProblems >= 1 && validationProblems <= heldOut, "demo: validation problems must be 1..held-out, found "
                + validationProblems);
        require(!blocks.isEmpty(), "demo: expected at least one block");
        require(threads >= 0, "--threads: expected >= 0 but found " + threads);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The defaults with {@code samples} study problems and {@code heldOut} held-out problems (the rest scales with them). */
    public static Demo of(Path out, int samples, int heldOut, long seed, AnalysisMode mode, int threads) {
        return new Demo(out, samples, seed, List.of(1, 2), ChainAnchor.FIRST_OPERAND_END, 256, 8, 4, Math.min(MAX_SAE_SEQUENCES, samples),
                "1-20,21-50,51-256", mode, threads, heldOut, Math.min(MAX_VALIDATION_PROBLEMS, heldOut), 5,
                GreedyAccuracy.DEFAULT_MAX_TOKENS, 128, true);
    }

    public static Demo defaults(Path out) {
        return of(out, DEFAULT_SAMPLES, DEFAULT_HELD_OUT, 2025, AnalysisMode.SOUND, 0);
    }

    /** Runs both studies and the comparison, logging progress to {@code log}; returns the files written. */
    public List<Path> run(PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        // Data: the study's problems (seeded), and the held-out problems of the shipped model's card.
        List<Sample> study = new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(seed)).generate(samples);
        List<Sample> held = ShippedModel.heldOutProblems(heldOut);
        Path studyFile = out.resolve("data/study-inputs.jsonl");
        Path heldFile = out.resolve("data/held-out-problems.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(study.stream().map(anchor::anchored).toList(), studyFile);
        SyntheticArithmeticGenerator.writeGsm8kJsonl(held, heldFile);
        log.printf("[%5.1fs] data: %d study problems (input = question + chain up to %s) -> %s; %d held-out problems -> %s%n",
                seconds(t0), study.size(), anchor.label(), studyFile, held.size(), heldFile);
        ShippedModel.Extracted models = ShippedModel.extract(out.resolve("model"));
        log.printf("[%5.1fs] models: %s and its random-init twin %s%n", seconds(t0), models.model(), models.initModel());

        // The two studies are independent: they run side by side, each on its share of the cores.
        // For a model this small one thread per engine is the efficient setting (a decode step is a
        // few hundred microsecond-sized ops; a second thread mostly waits at their barriers).
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        int parallel = cores >= 2 ? 2 : 1;
        Demo each = withThreads(Math.max(1, cores / parallel));
        ModelStudy.Result trained;
        ModelStudy.Result control;
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "demo-study");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<ModelStudy.Result> t = pool.submit(() -> ModelStudy.run(each, ModelStudy.Role.TRAINED, models.model(), study, held, log, t0));
            Future<ModelStudy.Result> c = pool.submit(() -> ModelStudy.run(each, ModelStudy.Role.CONTROL, models.initModel(), study, held, log, t0));
            trained = result(t);
            control = result(c);
        } finally {
            pool.shutdownNow();
        }
        List<Path> written = new ArrayList<>(List.of(studyFile, heldFile, models.model(), models.initModel()));
        written.addAll(trained.files());
        written.addAll(control.files());
        written.addAll(ControlComparison.write(this, trained, control));
        written.add(DemoSummary.write(this, trained, control, written, seconds(t0)));
        log.printf("[%5.1fs] report: %s%n", seconds(t0), out.resolve(ControlComparison.REPORT_NAME));
        return written;
    }

    /** The same settings with {@code n} CPU threads per engine. */
    Demo withThreads(int n) {
        return new Demo(out, samples, seed, blocks, anchor, latents, k, epochs, saeSequences, bands, mode, n, heldOut, validationProblems,
                topFeatures, maxTokens, generationBatch, plots);
    }

    /** The task's result; its exception rethrown as it was thrown (I/O, runtime or error), anything else wrapped. */
    static <T> T result(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("demo: interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException("demo: " + e.getCause(), e.getCause());
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
