package io.llamasae.sweep;

import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.sae.SplicedLoss;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.PartitionRunner;
import io.llamasae.scaleout.ShardSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The sweep's work on one range of the dataset, wherever it runs: a Spark task (one partition) or this process (the
 * whole dataset as one partition). One {@link Pass} per batch serves every layer and position: the hook encodes each
 * captured row once and accumulates feature statistics and SAE metrics there (host memory O(k) per row and layer:
 * no rows leave the engine unless activations are asked for); codes and activations go to shards straight from
 * engine memory; after each batch the spliced-in evaluation ({@link Engine#evalSplice}) runs on the batch's prompts
 * that fall in the evaluated range, and a local run may checkpoint ({@link SweepCheckpoint}).
 *
 * <p>Batches start at multiples of the batch size from the partition's first sample, and partitions start on batch
 * boundaries, so every partitioning runs exactly the batches of a single-process run: results and shard bytes are
 * identical whatever the partitioning, the attempt or the executor.
 */
public record SweepRunner(SweepSpec spec) implements PartitionRunner<LoadedEngine, SweepResult> {
    @Override
    public String engineKey() {
        return spec.engine().key();
    }

    @Override
    public LoadedEngine openEngine(Device device) throws IOException {
        return spec.engine().open(device);
    }

    @Override
    public SweepResult run(LoadedEngine engine, PartitionInput input, ShardSink shards) throws IOException {
        return run(engine, input, shards, null, null);
    }

    @Override
    public SweepResult merge(SweepResult acc, SweepResult next) {
        return acc.merge(next);
    }

    /** An empty result of this sweep (what a partition starts from). */
    public SweepResult emptyResult(LoadedEngine engine) {
        return new SweepResult(new PassResult(passSpec(engine)), spec.evaluatesSplice() ? new SplicedLoss(spec.blocks()) : null);
    }

    /**
     * Runs the partition, resuming from and saving to {@code checkpoint} when given (a local run), and reporting the
     * number of finished prompts of the partition to {@code progress} (may be null).
     */
    public SweepResult run(LoadedEngine engine, PartitionInput input, ShardSink shards, SweepCheckpoint checkpoint, IntConsumer progress)
            throws IOException {
        Engine e = engine.engine();
        PassSpec pass = passSpec(engine);
        // Tokenize everything first: a bad prompt fails here, before any file is written.
        PassInput all = PassInput.tokenize(e, input.ids(), input.prompts(), input.firstSample());
        SweepShardWriter writers = new SweepShardWriter(spec, engine, input, shards);
        SweepResult result = emptyResult(engine);
        int start = 0;
        if (checkpoint != null) {
            SweepCheckpoint.Restored r = checkpoint.restore(writers.writers());
            if (r != null) {
                result = r.result();
                start = r.done() - input.firstSample();
            }
        }
        if (start >= all.size()) return result;
        PassInput rest = all.from(start);
        SweepResult into = result;
        List<PassConsumer> consumers = new ArrayList<>(List.of(writers, new SpliceEvaluation(e, rest, into.splice())));
        if (checkpoint != null) {
            consumers.add(new PassConsumer() {
                @Override
                public void batchDone(int done, PassResult soFar) throws IOException {
                    checkpoint.save(done, into, writers.writers(), done == input.endSample());
                }
            });
        }
        if (progress != null) consumers.add(PassConsumer.progress(done -> progress.accept(done - input.firstSample())));
        Pass.run(e, pass, rest, into.pass(), consumers.toArray(PassConsumer[]::new));
        return into;
    }

    private PassSpec passSpec(LoadedEngine engine) {
        Set<PassOutput> outputs = EnumSet.of(PassOutput.STATISTICS, PassOutput.METRICS);
        if (spec.codes()) outputs.add(PassOutput.CODES);
        if (spec.activations()) outputs.add(PassOutput.ROWS);
        return PassSpec.builder(CaptureSpec.of(spec.blocks(), spec.positions())).saes(engine.saes()).outputs(outputs).topN(spec.topN())
                .batchSize(spec.engine().batch()).build();
    }

    /**
     * What a resumed local run must match: the model file, the prompts and their ids, the spec and every SAE's
     * weights (a checkpoint of other inputs is refused).
     */
    public String fingerprint(LoadedEngine engine, PartitionInput input) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path model = engine.model().path();
            md.update((model.toAbsolutePath() + "|" + Files.size(model) + "|" + spec + "|" + input.firstSample()).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < input.size(); i++) {
                md.update((input.ids().get(i) + "\u0000" + input.prompts().get(i) + "\u0001").getBytes(StandardCharsets.UTF_8));
            }
            for (var s : engine.saes().entrySet()) {
                NativeSae sae = s.getValue();
                md.update((s.getKey() + "|" + sae.sae() + "|" + java.util.Arrays.hashCode(sae.sae().wEnc()) + "|"
                        + java.util.Arrays.hashCode(sae.sae().wDec())).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("sweep: cannot fingerprint the inputs: " + e.getMessage(), e);
        }
    }

    /**
     * After each batch: the spliced-in evaluation of the batch's prompts that fall in [ceFirst, ceEnd) (the same
     * prompts in the same engine call whatever the partitioning, so its sums merge bit for bit).
     */
    private final class SpliceEvaluation implements PassConsumer {
        private final Engine engine;
        private final PassInput input;
        private final SplicedLoss into;
        private int from;
        private int to;

        SpliceEvaluation(Engine engine, PassInput input, SplicedLoss into) {
            this.engine = engine;
            this.input = input;
            this.into = into;
        }

        @Override
        public void accept(PassBatch batch) {
            if (batch.variant() != 0) return;
            from = batch.from();
            to = batch.to();
        }

        @Override
        public void batchDone(int done, PassResult soFar) {
            if (into == null) return;
            int first = input.firstSample();
            int a = Math.max(from, spec.ceFirst() - first);
            int b = Math.min(to, spec.ceEnd() - first);
            if (a < b) into.merge(engine.evalSplice(input.tokens().subList(a, b), spec.blocks()));
        }
    }
}
