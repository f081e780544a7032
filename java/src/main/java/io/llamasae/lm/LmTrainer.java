package io.llamasae.lm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.data.Sample;
import io.llamasae.engine.Model;
import io.llamasae.io.AtomicFiles;
import io.llamasae.model.gguf.GgmlType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the arithmetic model from random init with the native trainer ({@link NativeLm}) and
 * writes it as a GGUF llama.cpp runs. Outputs beside {@code out} ({@code model.gguf}):
 * <ul>
 *   <li>{@code model-init.gguf}: the random-init twin, the same weights before the first step
 *       (a pure function of architecture and seed, see {@link LmInit});</li>
 *   <li>{@code model.gguf.ckpt}: the resumable state, rewritten atomically at every checkpoint;</li>
 *   <li>{@code model.train.json}: settings, data, the learning curve and the final held-out accuracy.</li>
 * </ul>
 * Every {@code evalEvery} steps: held-out loss, greedy accuracy through llama.cpp on
 * {@code evalLimit} held-out problems, then the checkpoint. A run started again with
 * {@code resume} continues from the checkpoint and ends with exactly the weights an
 * uninterrupted run would have (data order and learning rate are functions of seed and step).
 */
public final class LmTrainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TASK = "prompt \"Question: ...\\nAnswer:\", target \" a*b=c | c+d=e #### e\"";

    private LmTrainer() {
    }

    /** What the trainer reports while it runs (all methods optional). */
    public interface Listener {
        default void started(long fromStep, long steps) {}

        default void stepDone(long step, double loss, double lr) {}

        default void checkpoint(CurvePoint point) {}

        default void message(String line) {}
    }

    /**
     * The outcome of a run.
     *
     * @param model         the trained GGUF
     * @param initModel     the random-init twin GGUF
     * @param report        the JSON report
     * @param curve         the learning curve (one point per checkpoint)
     * @param finalAccuracy greedy accuracy of {@code model} on all held-out problems
     */
    public record Result(Path model, Path initModel, Path report, List<CurvePoint> curve, GreedyAccuracy finalAccuracy) {}

    /** The random-init twin written beside {@code out}: {@code model.gguf} → {@code model-init.gguf}. */
    public static Path initPath(Path out) {
        return out.resolveSibling(stem(out) + "-init.gguf");
    }

    public static Path checkpointPath(Path out) {
        return out.resolveSibling(out.getFileName() + ".ckpt");
    }

    public static Path reportPath(Path out) {
        return out.resolveSibling(stem(out) + ".train.json");
    }

    private static String stem(Path out) {
        String name = out.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /**
     * Trains, or continues the checkpointed run when {@code resume} is set and a checkpoint exists.
     *
     * @param train           training problems (with chains of thought)
     * @param heldOut         held-out problems; none may share its question with a training problem
     * @param dataDescription where the data came from (recorded in the report and the GGUF)
     * @param extraReport     more entries for the report (e.g. the command line)
     * @throws IllegalArgumentException on overlapping data, a checkpoint without {@code resume}, or a
     *                                  checkpoint of a different run
     */
    public static Result train(List<Sample> train, List<Sample> heldOut, String dataDescription, LmArchitecture arch, LmTrainConfig cfg,
                               Path out, boolean resume, Map<String, Object> extraReport, Listener listener) throws IOException {
        if (train.isEmpty() || heldOut.isEmpty()) {
            throw new IllegalArgumentException("data: expected training and held-out problems but found " + train.size() + " and "
                    + heldOut.size());
        }
        requireDisjoint(train, heldOut);
        Path ckpt = checkpointPath(out);
        if (Files.exists(ckpt) && !resume) {
            throw new IllegalArgumentException(ckpt + ": a checkpoint of an earlier run exists: pass --resume to continue it, or delete it "
                    + "to start over");
        }
        try (NativeLm lm = NativeLm.create(arch, cfg.threads())) {
            LmInit.initialize(lm, cfg.seed());
            Path init = initPath(out);
            writeTwin(lm, cfg.seed(), cfg.weightType(), init);
            List<LmExample> trainEx;
            List<LmExample> evalEx;
            try (Model tokenizer = Model.load(init)) {
                trainEx = ArithmeticTask.encodeAll(tokenizer, train, arch.nCtx());
                evalEx = ArithmeticTask.encodeAll(tokenizer, heldOut, arch.nCtx());
            }
            String identity = "arch=" + archKey(arch) + " " + cfg.resumeKey() + " train=" + fingerprint(trainEx) + " heldout="
                    + fingerprint(evalEx);
            long step = 0;
            double elapsed0 = 0;
            List<CurvePoint> curve = new ArrayList<>();
            if (Files.exists(ckpt)) {
                LmCheckpoint c = LmCheckpoint.load(ckpt, lm, identity);
                step = c.step();
                elapsed0 = c.elapsedSeconds();
                curve.addAll(c.curve());
                listener.message("resuming " + ckpt + " at step " + step + " of " + cfg.steps());
            }
            listener.started(step, cfg.steps());
            long t0 = System.nanoTime();
            long tokens = curve.isEmpty() ? 0 : curve.get(curve.size() - 1).tokens();
            DataOrder order = new DataOrder(trainEx.size(), cfg.seed());
            double lossSum = 0;
            double normSum = 0;
            int since = 0;
            while (step < cfg.steps()) {
                step++;
                List<LmExample> batch = new ArrayList<>(cfg.batchSize());
                for (int i = 0; i < cfg.batchSize(); i++) {
                    batch.add(trainEx.get(order.index((step - 1) * cfg.batchSize() + i)));
                }
                TokenBatch tb = TokenBatch.of(batch);
                NativeLm.Loss loss = lm.loss(tb, true);
                float lr = cfg.learningRate(step);
                double norm = lm.adamwStep(new NativeLm.AdamW(lr, cfg.beta1(), cfg.beta2(), 1e-8f, cfg.weightDecay(), cfg.clipNorm(), step));
                tokens += tb.tokens().length;
                lossSum += loss.loss();
                normSum += norm;
                since++;
                listener.stepDone(step, loss.loss(), lr);
                if (step % cfg.evalEvery() == 0 || step == cfg.steps()) {
                    double elapsed = elapsed0 + (System.nanoTime() - t0) * 1e-9;
                    GreedyAccuracy acc = cfg.evalLimit() == 0 ? null
                            : accuracyNow(lm, cfg, heldOut.subList(0, Math.min(cfg.evalLimit(), heldOut.size())), out);
                    CurvePoint p = new CurvePoint(step, tokens, lossSum / since, heldOutLoss(lm, evalEx, cfg.batchSize()),
                            acc == null ? null : acc.accuracy(), acc == null ? 0 : acc.n(), lr, normSum / since, elapsed);
                    curve.add(p);
                    new LmCheckpoint(step, elapsed, curve, identity).save(lm, ckpt);
                    listener.checkpoint(p);
                    lossSum = 0;
                    normSum = 0;
                    since = 0;
                }
            }
            double elapsed = curve.isEmpty() ? elapsed0 : curve.get(curve.size() - 1).elapsedSeconds();
            LmGguf.write(lm, cfg.weightType(), "llama-sae arithmetic LM (seed " + cfg.seed() + ", " + step + " steps)",
                    provenance(cfg, dataDescription, step), out);
            listener.message("evaluating " + out + " on " + heldOut.size() + " held-out problems");
            GreedyAccuracy fin = GreedyAccuracy.measure(out, heldOut, GreedyAccuracy.DEFAULT_MAX_TOKENS, cfg.threads(), GreedyAccuracy.DEFAULT_BATCH, null);
            Path report = reportPath(out);
            writeReport(report, arch, lm.nParams(), cfg, dataDescription, train.size(), heldOut.size(), curve, fin, elapsed, extraReport);
            return new Result(out, init, report, List.copyOf(curve), fin);
        }
    }

    /**
     * Writes the random-init twin: the initial weights of {@code seed} (already in {@code lm}). Its
     * metadata depends only on the seed, so {@link #regenerateTwin} reproduces the file byte for byte.
     */
    private static void writeTwin(NativeLm lm, long seed, GgmlType type, Path out) throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seed", Long.toString(seed));
        p.put("step", "0");
        p.put("task", TASK);
        LmGguf.write(lm, type, "llama-sae arithmetic LM, random init (seed " + seed + ")", p, out);
    }

    /** The random-init twin of a run with this architecture, seed and weight type, written to {@code out}. */
    public static void regenerateTwin(LmArchitecture arch, long seed, GgmlType type, Path out) throws IOException {
        try (NativeLm lm = NativeLm.create(arch, 1)) {
            LmInit.initialize(lm, seed);
            writeTwin(lm, seed, type, out);
        }
    }

    /** Greedy accuracy of the current weights, written to a temporary GGUF of the shipped type. */
    private static GreedyAccuracy accuracyNow(NativeLm lm, LmTrainConfig cfg, List<Sample> problems, Path out) throws IOException {
        Path tmp = AtomicFiles.tempBeside(out);
        try {
            LmGguf.write(lm, cfg.weightType(), "checkpoint", Map.of(), tmp);
            return GreedyAccuracy.measure(tmp, problems, GreedyAccuracy.DEFAULT_MAX_TOKENS, cfg.threads(), GreedyAccuracy.DEFAULT_BATCH, null);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Target-token loss over the held-out problems (teacher forcing, no gradients). */
    static double heldOutLoss(NativeLm lm, List<LmExample> examples, int batch) {
        double sum = 0;
        double weight = 0;
        for (int from = 0; from < examples.size(); from += batch) {
            NativeLm.Loss l = lm.loss(TokenBatch.of(examples.subList(from, Math.min(examples.size(), from + batch))), false);
            sum += l.loss() * l.weightSum();
            weight += l.weightSum();
        }
        return sum / weight;
    }

    /** Held-out questions must never have been seen in training. */
    static void requireDisjoint(List<Sample> train, List<Sample> heldOut) {
        Map<String, String> seen = new HashMap<>();
        for (Sample s : train) seen.putIfAbsent(s.question(), s.id());
        for (Sample s : heldOut) {
            String other = seen.get(s.question());
            if (other != null) {
                throw new IllegalArgumentException("held-out problem " + s.id() + ": expected a question never seen in training but found it "
                        + "as training problem " + other + " (make held-out data with `llama-sae synth --exclude TRAIN`)");
            }
        }
    }

    private static String archKey(LmArchitecture a) {
        return "L" + a.nLayer() + ",E" + a.nEmbd() + ",H" + a.nHead() + ",F" + a.nFf() + ",C" + a.nCtx() + ",base" + a.ropeFreqBase() + ",eps"
                + a.rmsEps() + ",V" + a.nVocab();
    }

    /** SHA-256 (first 16 hex digits) of the tokenized examples: prompt lengths and tokens, in order. */
    static String fingerprint(List<LmExample> examples) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (LmExample e : examples) {
                md.update(Integer.toString(e.promptLength()).getBytes(StandardCharsets.UTF_8));
                for (int t : e.tokens()) {
                    md.update((byte) t);
                    md.update((byte) (t >>> 8));
                    md.update((byte) (t >>> 16));
                }
                md.update((byte) ';');
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> provenance(LmTrainConfig cfg, String data, long step) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seed", Long.toString(cfg.seed()));
        p.put("step", Long.toString(step));
        p.put("data", data);
        p.put("task", TASK);
        return p;
    }

    private static void writeReport(Path report, LmArchitecture arch, int nParams, LmTrainConfig cfg, String data, int nTrain, int nHeldOut,
                                    List<CurvePoint> curve, GreedyAccuracy fin, double elapsed, Map<String, Object> extra) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>(extra);
        r.put("architecture", arch);
        r.put("parameters", nParams);
        r.put("config", cfg);
        r.put("data", data);
        r.put("train_problems", nTrain);
        r.put("heldout_problems", nHeldOut);
        r.put("elapsed_seconds", elapsed);
        r.put("curve", curve);
        // every generation: the report is where a reader checks what the model really wrote
        r.put("heldout_greedy_accuracy", fin.report(fin.n()));
        AtomicFiles.writeString(report, JSON.writeValueAsString(r));
    }

    /** Which training example fills each slot: epoch e visits all examples in a permutation seeded by (seed, e). */
    static final class DataOrder {
        private final int n;
        private final long seed;
        private long epoch = -1;
        private int[] perm;

        DataOrder(int n, long seed) {
            this.n = n;
            this.seed = seed;
        }

        /** Example index at global position {@code position} (0-based over all steps). */
        int index(long position) {
            long e = position / n;
            if (e != epoch) {
                perm = permutation(e);
                epoch = e;
            }
            return perm[(int) (position % n)];
        }

        private int[] permutation(long e) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            return p;
        }
    }
}
