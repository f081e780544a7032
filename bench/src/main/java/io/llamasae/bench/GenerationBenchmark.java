package io.llamasae.bench;

import io.llamasae.engine.Edit;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.InterventionSpec;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import java.util.ArrayList;
import java.util.List;
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
 * Greedy generation of 8 prompts × 32 new tokens on the generated 8-block model: plain llama.cpp
 * vs interventions (an SAE per block, F = 4096, k = 32; scale one latent ×2 and ablate another) at
 * every block, at every prompt and generated token. One op = one batched generate call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GenerationBenchmark {
    @Param({"plain", "edit-all-blocks"})
    public String mode;

    static final int NEW_TOKENS = 32;
    Model model;
    Engine engine;
    List<int[]> prompts;
    final List<NativeSae> saes = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        model = Model.load(BenchModels.model());
        prompts = BenchModels.prompts(8).stream().map(p -> model.tokenize(p, true)).toList();
        engine = Engine.open(model, EngineOptions.defaults().withCtx(2048).withSeqMax(8).withHook(!mode.equals("plain")));
        if (mode.equals("edit-all-blocks")) {
            List<Edit> edits = new ArrayList<>();
            for (int b = 0; b < model.info().nLayer(); b++) {
                NativeSae s = NativeSae.of(PrefillBenchmark.randomSae(model.info().nEmbd(), 4096, 32, b));
                saes.add(s);
                engine.attachSae(b, s, 0);
                edits.add(Edit.scale(b, 7, 2f));
                edits.add(Edit.ablate(b, 11));
            }
            engine.setInterventions(InterventionSpec.everywhere(edits));
        }
    }

    @Benchmark
    public int generate() {
        Generation g = engine.generate(prompts, GenerationOptions.greedy(NEW_TOKENS));
        return g.tokens().stream().mapToInt(t -> t.length).sum();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        saes.forEach(NativeSae::close);
        model.close();
    }
}
