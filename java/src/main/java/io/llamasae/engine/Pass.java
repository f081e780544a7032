package io.llamasae.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass of a {@link PassSpec} over a dataset: the engine captures every layer and position of
 * the spec in one forward pass per batch, the hook encodes each row once and computes codes,
 * feature statistics and reconstruction sums there, and the pass hands each batch's results to
 * consumers (activation files, comparisons, checkpoints) and merges the statistics into a
 * {@link PassResult}. Capture, analysis, validation and sweeps are this loop with different
 * consumers.
 *
 * <p>Batches: {@link PassSpec#batchSize()} prompts from the input's start (a generating pass also
 * keeps every batch within the context: prompts plus new tokens); each batch runs once per variant.
 * The engine's capture, outputs and SAE attachments are set for the pass and restored afterwards;
 * interventions are cleared. Not thread-safe (one engine).
 *
 * <pre>{@code
 * PassSpec spec = PassSpec.builder(CaptureSpec.of(List.of(3, 7), List.of(3, -1)))
 *         .sae(3, sae3).sae(7, sae7).outputs(PassOutput.CODES, PassOutput.STATISTICS, PassOutput.METRICS).build();
 * PassResult r = Pass.run(engine, spec, PassInput.tokenize(engine, ids, prompts, 0), new CodesWriter(...));
 * FeatureStatistics f = r.statistics(7, RowBlock.position(-1));
 * }</pre>
 */
public final class Pass {
    private Pass() {}

    /** Runs the pass over {@code input} into fresh results. */
    public static PassResult run(Engine engine, PassSpec spec, PassInput input, PassConsumer... consumers) {
        return run(engine, spec, input, new PassResult(spec), consumers);
    }

    /**
     * Runs the pass over {@code input}, merging into {@code into} (results restored from a
     * checkpoint when a pass resumes: the input then starts at the first unfinished prompt).
     */
    public static PassResult run(Engine engine, PassSpec spec, PassInput input, PassResult into, PassConsumer... consumers) {
        CaptureSpec previousCapture = engine.capture();
        var previousOutputs = engine.outputs();
        int previousTopN = engine.topN();
        Map<Integer, NativeSae> previousSaes = new HashMap<>();
        for (int block : spec.saes().keySet()) previousSaes.put(block, engine.attachedSae(block));
        try {
            spec.saes().forEach((block, sae) -> {
                if (engine.attachedSae(block) != sae) engine.attachSae(block, sae, 0);
            });
            engine.setCapture(spec.capture());
            engine.setOutputs(spec.outputs(), spec.topN());
            int index = 0;
            for (PromptBatches.Range range : batches(engine, spec, input)) {
                List<int[]> prompts = input.tokens().subList(range.from(), range.to());
                int sampleBase = input.firstSample() + range.from();
                for (int v = 0; v < spec.variants().size(); v++) {
                    Variant variant = spec.variants().get(v);
                    if (variant.isClean()) engine.clearInterventions();
                    else engine.setInterventions(variant.interventions());
                    Generation g = spec.generates() ? engine.generate(prompts, spec.generation()) : null;
                    RunResult r = g != null ? g.captured() : engine.run(prompts);
                    if (v == 0) into.absorb(r, spec.capture(), sampleBase);
                    PassBatch batch = new PassBatch(index, range.from(), range.to(), sampleBase, v, r, g);
                    for (PassConsumer c : consumers) c.accept(batch);
                }
                engine.clearInterventions();
                for (PassConsumer c : consumers) c.batchDone(input.firstSample() + range.to(), into);
                index++;
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            engine.clearInterventions();
            engine.setCapture(previousCapture);
            engine.setOutputs(previousOutputs, previousTopN);
            previousSaes.forEach((block, sae) -> {
                if (engine.attachedSae(block) != sae) engine.attachSae(block, sae, 0);
            });
        }
    }

    /** The batches a pass runs: fixed-size from the input's start, or (generating) what fits the context. */
    public static List<PromptBatches.Range> batches(Engine engine, PassSpec spec, PassInput input) {
        int n = input.size();
        if (spec.generates()) {
            int[] lengths = input.tokens().stream().mapToInt(t -> t.length).toArray();
            int perCall = Math.min(spec.batchSize(), engine.options().nSeqMax());
            return PromptBatches.plan(lengths, input.ids(), perCall, engine.contextSize(), spec.generation().maxTokens());
        }
        List<PromptBatches.Range> out = new ArrayList<>();
        for (int from = 0; from < n; from += spec.batchSize()) out.add(new PromptBatches.Range(from, Math.min(n, from + spec.batchSize())));
        return out;
    }
}
