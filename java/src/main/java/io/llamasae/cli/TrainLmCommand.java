package io.llamasae.cli;

import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.lm.CurvePoint;
import io.llamasae.lm.LmArchitecture;
import io.llamasae.lm.LmTrainConfig;
import io.llamasae.lm.LmTrainer;
import io.llamasae.model.gguf.GgmlType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llama-sae train-lm}: trains the small arithmetic LLaMA from random init on chain-of-thought
 * problems (GSM8K jsonl with {@code <<a*b=c>>} annotations, or cot jsonl) and writes it as a GGUF
 * llama.cpp runs, plus its random-init twin, a resumable checkpoint and a JSON report with the
 * learning curve and held-out greedy accuracy. Exit codes: 0 success, 2 bad input.
 */
@Command(name = "train-lm", mixinStandardHelpOptions = true,
        description = "Train the small arithmetic llama-architecture model (and keep its random-init twin).")
public final class TrainLmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "D", description = "training problems (GSM8K or cot jsonl with chains of thought)")
    Path data;

    @Option(names = "--heldout", required = true, paramLabel = "H",
            description = "held-out problems, none sharing a question with --data (make them with `synth --exclude D`)")
    Path heldOut;

    @Option(names = "--heldout-limit", paramLabel = "N", description = "use the first N held-out problems (default: all)")
    Integer heldOutLimit;

    @Option(names = "--out", required = true, paramLabel = "M.gguf", description = "trained model; M-init.gguf, M.gguf.ckpt, M.train.json beside it")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initial weights and the data order (default: ${DEFAULT-VALUE})")
    long seed;

    static final class Length {
        @Option(names = "--steps", description = "optimizer steps (default: 6000)")
        Integer steps;

        @Option(names = "--epochs", description = "passes over --data (converted to steps)")
        Double epochs;
    }

    @ArgGroup(exclusive = true)
    Length length;

    @Option(names = "--batch", defaultValue = "64", description = "sequences per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "3e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--warmup", defaultValue = "200", description = "warm-up steps (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--min-lr-fraction", defaultValue = "0.1", description = "final lr / peak lr of the cosine decay (default: ${DEFAULT-VALUE})")
    float minLrFraction;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE})")
    float clip;

    @Option(names = "--layers", defaultValue = "4", description = "transformer blocks (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--embd", defaultValue = "128", description = "residual width (default: ${DEFAULT-VALUE})")
    int embd;

    @Option(names = "--heads", defaultValue = "4", description = "attention heads (default: ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--ff", defaultValue = "352", description = "SwiGLU hidden width (default: ${DEFAULT-VALUE})")
    int ff;

    @Option(names = "--ctx", defaultValue = "128", description = "longest sequence in tokens (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--eval-every", defaultValue = "250", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--eval-limit", defaultValue = "200",
            description = "held-out problems for the greedy accuracy at each checkpoint, 0 = none (default: ${DEFAULT-VALUE})")
    int evalLimit;

    @Option(names = "--type", defaultValue = "f16", description = "weights of the written model: f16, q8_0 or f32 (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--resume", description = "continue the run whose checkpoint (M.gguf.ckpt) is beside --out")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        for (Path in : List.of(data, heldOut)) {
            if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())
                    || in.toAbsolutePath().normalize().equals(LmTrainer.initPath(out).toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--out " + out + ": expected a file that is not an input but found the input " + in);
            }
        }
        GgmlType weightType = switch (type.toLowerCase(Locale.ROOT)) {
            case "f16" -> GgmlType.F16;
            case "q8_0" -> GgmlType.Q8_0;
            case "f32" -> GgmlType.F32;
            default -> throw new IllegalArgumentException("--type: expected f16, q8_0 or f32 but found " + type);
        };
        LmArchitecture arch = new LmArchitecture(layers, embd, heads, ff, ctx, 10000f, 1e-5f);
        List<Sample> train = DatasetReader.read(data).samples();
        List<Sample> held = DatasetReader.read(heldOut).samples();
        if (heldOutLimit != null) {
            if (heldOutLimit < 1) throw new IllegalArgumentException("--heldout-limit: expected >= 1 but found " + heldOutLimit);
            held = held.subList(0, Math.min(heldOutLimit, held.size()));
        }
        int steps = 6000;
        if (length != null && length.steps != null) {
            steps = length.steps;
        } else if (length != null && length.epochs != null) {
            if (!(length.epochs > 0)) throw new IllegalArgumentException("--epochs: expected > 0 but found " + length.epochs);
            steps = (int) Math.ceil(length.epochs * train.size() / batch);
        }
        LmTrainConfig cfg = LmTrainConfig.builder().seed(seed).steps(steps).batchSize(batch).lr(lr).warmupSteps(warmup)
                .minLrFraction(minLrFraction).weightDecay(weightDecay).clipNorm(clip).evalEvery(evalEvery).evalLimit(evalLimit)
                .threads(threads).weightType(weightType).build();
        Map<String, Object> extra = new LinkedHashMap<>();
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        extra.put("command", "llama-sae " + String.join(" ", args.subList(Math.max(0, args.indexOf("train-lm")), args.size())));
        extra.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch"));
        String description = data + " (" + train.size() + " problems), held out " + heldOut + " (" + held.size() + ")";
        System.err.println("train-lm: " + description + "; " + steps + " steps of " + batch + " sequences");
        try (Progress bar = Progress.bar("train-lm", steps)) {
            LmTrainer.Result r = LmTrainer.train(train, held, description, arch, cfg, out, resume, extra, new LmTrainer.Listener() {
                @Override
                public void started(long fromStep, long total) {
                    bar.stepTo(fromStep);
                }

                @Override
                public void stepDone(long step, double loss, double lrNow) {
                    bar.stepTo(step);
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f", loss));
                }

                @Override
                public void checkpoint(CurvePoint p) {
                    System.err.printf(Locale.ROOT, "%nstep %d: train loss %.4f, held-out loss %.4f, greedy accuracy %s, %.0f s%n", p.step(),
                            p.trainLoss(), p.heldOutLoss(), p.accuracy() == null ? "-" : String.format(Locale.ROOT, "%.1f %% of %d",
                                    100 * p.accuracy(), p.accuracyN()), p.elapsedSeconds());
                }

                @Override
                public void message(String line) {
                    System.err.println(line);
                }
            });
            System.out.println("model: " + r.model() + " (random-init twin: " + r.initModel() + ")");
            System.out.println("held-out greedy accuracy: " + r.finalAccuracy().summary());
            System.out.println("report: " + r.report());
        }
        return 0;
    }
}
