package io.llamasae.bench;

import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.SplicedEvaluation;
import io.llamasae.sae.RandomSaes;
import io.llamasae.sae.SaeLensWriter;
import io.llamasae.sae.SplicedLoss;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.sweep.SweepRunner;
import io.llamasae.sweep.SweepSpec;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sweep command's pass against the plain forward of the same prompts, measured interleaved in one process (plain,
 * pass, plain, pass, ...; median of the per-pair ratios, wall and process CPU time), and the spliced-in evaluation's
 * extra passes separately: one evaluation of 1 and of 2 layers against the same plain forward, so the fixed cost (the
 * clean pass with logits at every token) and the cost per evaluated layer (a spliced and a zero-ablated pass) can be
 * read apart.
 *
 * <pre>java -cp bench/target/llama-sae-bench.jar io.llamasae.bench.SweepBenchmark MODEL.gguf PROMPTS BATCH LATENTS K REPS THREADS
 *     [EVAL_PROMPTS] [EVAL_REPS]</pre>
 * The pass: {@link SweepRunner} (the sweep's partition runner) with an SAE per layer (random weights, F = LATENTS,
 * top-K) at position 3 of every layer, feature statistics (top 100) and SAE metrics accumulated in the hook, no codes
 * and no rows kept, no spliced-in evaluation. The plain forward: the same engine settings without the hook.
 */
public final class SweepBenchmark {
    private SweepBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int nPrompts = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int latents = Integer.parseInt(args[3]);
        int k = Integer.parseInt(args[4]);
        int reps = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]);
        int evalPrompts = args.length > 7 ? Integer.parseInt(args[7]) : batch;
        int evalReps = args.length > 8 ? Integer.parseInt(args[8]) : 3;
        int ctx = 4096;
        List<String> prompts = BenchModels.prompts(nPrompts);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < nPrompts; i++) ids.add("p" + i);

        Path dir = Files.createTempDirectory("llama-sae-sweep-bench");
        int nLayer;
        int d;
        try (Model m = Model.load(model)) {
            nLayer = m.info().nLayer();
            d = m.info().nEmbd();
            System.out.printf("# sweep pass vs plain forward: %s, %d layers, n_embd %d, vocab %d; %d prompts (%d tokens), batch %d, "
                            + "SAE F=%d k=%d per layer, threads %d%n", m.info().description(), nLayer, d, m.info().nVocab(), nPrompts,
                    prompts.stream().mapToInt(p -> m.tokenize(p, m.info().addBos()).length).sum(), batch, latents, k, threads);
        }
        Map<Integer, String> saes = new TreeMap<>();
        Map<Integer, Integer> names = new TreeMap<>();
        for (int b = 0; b < nLayer; b++) {
            Path p = dir.resolve("layer" + b);
            SaeLensWriter.write(RandomSaes.gaussian(b, d, latents, k), p);
            saes.put(b, p.toString());
            names.put(b, b);
        }
        EngineSpec es = new EngineSpec(model.toString(), saes, null, null, ctx, batch);
        SweepRunner runner = new SweepRunner(new SweepSpec(es, List.of(3), 100, 0, 0, names, "llama.cpp", false, false));
        PartitionInput whole = new PartitionInput(0, 0, ids, prompts);
        System.out.println("load before: " + load());
        try (Model pm = Model.load(model);
             Engine plain = Engine.open(pm, EngineOptions.defaults().withCtx(ctx).withSeqMax(Math.min(batch, 256)).withThreads(threads)
                     .withHook(false));
             LoadedEngine hooked = es.open(Device.cpu(threads))) {
            PassInput input = PassInput.tokenize(plain, ids, prompts, 0);
            Runnable plainForward = () -> {
                for (int from = 0; from < nPrompts; from += batch) plain.run(input.tokens().subList(from, Math.min(nPrompts, from + batch)));
            };
            Runnable pass = () -> {
                try {
                    runner.run(hooked, whole, kind -> {
                        throw new IllegalStateException("no shards in this benchmark");
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            plainForward.run();   // warm-up: page the weights in
            pass.run();
            Pairs sweep = pairs(plainForward, pass, reps);
            System.out.println();
            System.out.println("| sweep pass: position 3 of all " + nLayer + " layers, statistics + metrics | plain ms (median) | pass ms "
                    + "(median) | wall ratio (median of " + reps + " pairs) | min – max | CPU-time ratio |");
            System.out.println("|---|---|---|---|---|---|");
            System.out.println(sweep.row("the sweep command's pass (SweepRunner)"));

            // The spliced-in evaluation: 1 + 2 x layers decodes per batch, logits at every token.
            PassInput evalInput = SplicedEvaluation.firstPrompts(input, evalPrompts);
            Runnable plainEval = () -> {
                for (int from = 0; from < evalInput.size(); from += batch) {
                    plain.run(evalInput.tokens().subList(from, Math.min(evalInput.size(), from + batch)));
                }
            };
            List<Integer> one = List.of(nLayer / 2);
            List<Integer> two = List.of(nLayer / 2, nLayer - 1);
            Pairs eval1 = pairs(plainEval, () -> SplicedEvaluation.run(hooked.engine(), subset(hooked, one), evalInput, batch,
                    new SplicedLoss(one), null), evalReps);
            Pairs eval2 = pairs(plainEval, () -> SplicedEvaluation.run(hooked.engine(), subset(hooked, two), evalInput, batch,
                    new SplicedLoss(two), null), evalReps);
            System.out.println();
            System.out.println("| spliced-in evaluation over " + evalInput.size() + " prompts | plain ms (median) | evaluation ms (median) "
                    + "| wall ratio (median of " + evalReps + " pairs) | min – max | CPU-time ratio |");
            System.out.println("|---|---|---|---|---|---|");
            System.out.println(eval1.row("1 layer: 3 decodes per batch (clean, spliced, zero-ablated)"));
            System.out.println(eval2.row("2 layers: 5 decodes per batch"));
            double perLayer = eval2.medianCpuRatio() - eval1.medianCpuRatio();
            System.out.printf("%nper evaluated layer: +%.2f x the plain forward (CPU); fixed (clean pass): %.2f x; a sweep of all %d layers: "
                    + "about %.1f x the plain forward of its evaluated prompts%n", perLayer, eval1.medianCpuRatio() - perLayer, nLayer,
                    eval1.medianCpuRatio() - perLayer + nLayer * perLayer);
        }
        System.out.println("load after: " + load());
    }

    private static Map<Integer, io.llamasae.engine.NativeSae> subset(LoadedEngine e, List<Integer> blocks) {
        Map<Integer, io.llamasae.engine.NativeSae> out = new TreeMap<>();
        for (int b : blocks) out.put(b, e.saes().get(b));
        return out;
    }

    /** Interleaved timings of a baseline and a variant. */
    private record Pairs(double[] baseMs, double[] variantMs, double[] wallRatio, double[] cpuRatio) {
        String row(String label) {
            double[] w = wallRatio.clone();
            Arrays.sort(w);
            return String.format("| %s | %.2f | %.2f | **%.3f** | %.3f – %.3f | **%.3f** |", label, median(baseMs), median(variantMs),
                    median(wallRatio), w[0], w[w.length - 1], medianCpuRatio());
        }

        double medianCpuRatio() {
            return median(cpuRatio);
        }
    }

    private static Pairs pairs(Runnable base, Runnable variant, int reps) {
        double[] b = new double[reps];
        double[] v = new double[reps];
        double[] wr = new double[reps];
        double[] cr = new double[reps];
        for (int r = 0; r < reps; r++) {
            double[] tb = time(base);
            double[] tv = time(variant);
            b[r] = tb[0];
            v[r] = tv[0];
            wr[r] = tv[0] / tb[0];
            cr[r] = tv[1] / tb[1];
        }
        return new Pairs(b, v, wr, cr);
    }

    /** {wall ms, process CPU ms}. */
    private static double[] time(Runnable r) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        r.run();
        long t1 = System.nanoTime();
        long c1 = os.getProcessCpuTime();
        return new double[] {(t1 - t0) / 1e6, (c1 - c0) / 1e6};
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
