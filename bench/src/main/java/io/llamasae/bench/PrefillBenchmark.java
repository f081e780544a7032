package io.llamasae.bench;

import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.RunResult;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill throughput of a generated 8-block model: plain llama.cpp (no hook) vs the hook capturing
 * every layer at every position vs capture plus SAE encode at every layer. One op = one batched
 * run of all prompts; {@link BenchReport} turns the scores into tokens/s and ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PrefillBenchmark {
    @Param({"plain", "capture-all", "capture-encode-all"})
    public String mode;

    Model model;
    Engine engine;
    List<int[]> prompts;
    final List<NativeSae> saes = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        model = Model.load(BenchModels.model());
        prompts = BenchModels.prompts(32).stream().map(p -> model.tokenize(p, true)).toList();
        engine = Engine.open(model, EngineOptions.defaults().withCtx(2048).withSeqMax(32).withHook(!mode.equals("plain")));
        if (!mode.equals("plain")) {
            List<Integer> all = new ArrayList<>();
            for (int b = 0; b < model.info().nLayer(); b++) all.add(b);
            engine.setCapture(CaptureSpec.allPositions(all));
        }
        if (mode.equals("capture-encode-all")) {
            for (int b = 0; b < model.info().nLayer(); b++) {
                NativeSae s = NativeSae.of(randomSae(model.info().nEmbd(), 4096, 32, b));
                saes.add(s);
                engine.attachSae(b, s, 0);
            }
        }
    }

    /** Tokens in one op (all prompts). */
    public int tokensPerOp() {
        return prompts.stream().mapToInt(p -> p.length).sum();
    }

    @Benchmark
    public long prefill() {
        RunResult r = engine.run(prompts);
        return r.nRows() + (long) r.lastLogits().get(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        saes.forEach(NativeSae::close);
        model.close();
    }

    static Sae randomSae(int d, int f, int k, long seed) {
        Random rnd = new Random(seed);
        float[] wEnc = new float[f * d];
        float[] wDec = new float[f * d];
        for (int i = 0; i < wEnc.length; i++) {
            wEnc[i] = (float) (rnd.nextGaussian() / Math.sqrt(d));
            wDec[i] = (float) (rnd.nextGaussian() / Math.sqrt(d));
        }
        return new Sae(d, f, wEnc, new float[f], wDec, new float[d], null, Activation.TOPK_RELU, k);
    }
}
