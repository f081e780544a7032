package io.llamasae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.PartitionRunner;
import io.llamasae.scaleout.ShardSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Partition runner on the engine's {@link Pass}: one SAE per block, encoded inside the forward pass at one position;
 * feature statistics and SAE metrics per block computed in the hook (exact sums, merged bit for bit); optionally the
 * sparse codes ({@code layer{L}.pos{P}.indices / .values}) and the residual rows ({@code layer{L}.pos{P}}) as shards,
 * appended straight from engine memory.
 *
 * @param spec        model, SAEs per block, batch
 * @param position    token position (negative: from the end)
 * @param topN        top samples kept per feature
 * @param layerNames  block -> the layer number tensor names use (the user's layer convention)
 * @param convention  the layer convention's name, recorded in shard metadata
 * @param codes       write sparse-code shards
 * @param activations write activation shards
 */
public record HookedStatsRunner(EngineSpec spec, int position, int topN, Map<Integer, Integer> layerNames, String convention,
                                boolean codes, boolean activations) implements PartitionRunner<LoadedEngine, BlockStatistics> {
    public HookedStatsRunner {
        layerNames = new TreeMap<>(layerNames);
        if (!layerNames.keySet().equals(spec.saes().keySet())) {
            throw new IllegalArgumentException("layer names: expected one per SAE block " + spec.saes().keySet() + " but found "
                    + layerNames.keySet());
        }
    }

    @Override
    public String engineKey() {
        return spec.key();
    }

    @Override
    public LoadedEngine openEngine(Device device) throws IOException {
        return spec.open(device);
    }

    @Override
    public BlockStatistics run(LoadedEngine engine, PartitionInput input, ShardSink shards) throws IOException {
        List<Integer> blocks = new ArrayList<>(engine.saes().keySet());
        RowBlock at = RowBlock.position(position);
        Set<PassOutput> outputs = EnumSet.of(PassOutput.STATISTICS, PassOutput.METRICS);
        if (codes) outputs.add(PassOutput.CODES);
        if (activations) outputs.add(PassOutput.ROWS);
        PassSpec pass = PassSpec.builder(CaptureSpec.of(blocks, List.of(position))).saes(engine.saes()).outputs(outputs).topN(topN)
                .batchSize(spec.batch()).build();
        int d = engine.model().info().nEmbd();
        // The shard sink owns the writers: it commits (or discards) them after the task.
        StreamingSafetensorsWriter codeShard = codes ? withMetadata(shards.open("codes"), input) : null;
        StreamingSafetensorsWriter actShard = activations ? withMetadata(shards.open("activations"), input) : null;
        for (int block : blocks) {
            String name = "layer" + layerNames.get(block) + ".pos" + position;
            int k = engine.saes().get(block).sae().defaultK();
            if (codeShard != null) {
                codeShard.declare(name + ".indices", DType.I32, k);
                codeShard.declare(name + ".values", DType.F32, k);
            }
            if (actShard != null) actShard.declare(name, DType.F32, d);
        }
        // Each batch's (layer, position) block goes to its shard straight from engine memory.
        PassConsumer writer = new PassConsumer() {
            @Override
            public void accept(PassBatch batch) throws IOException {
                for (int slot = 0; slot < blocks.size(); slot++) {
                    String name = "layer" + layerNames.get(blocks.get(slot)) + ".pos" + position;
                    if (codeShard != null) {
                        ByteBuffer[] c = batch.result().codeBytes(slot, 0);
                        codeShard.appendRows(name + ".indices", c[0]);
                        codeShard.appendRows(name + ".values", c[1]);
                    }
                    if (actShard != null) actShard.appendRows(name, batch.result().rowBytes(slot, 0));
                }
            }
        };
        // Batches start at the partition's first sample: partitions starting on batch boundaries run exactly the
        // batches of a single-process run.
        PassResult r = Pass.run(engine.engine(), pass, PassInput.tokenize(engine.engine(), input.ids(), input.prompts(),
                input.firstSample()), writer);
        BlockStatistics out = new BlockStatistics();
        for (int block : blocks) out.put(block, r.statistics(block, at), r.metrics(block, at));
        return out;
    }

    private StreamingSafetensorsWriter withMetadata(StreamingSafetensorsWriter w, PartitionInput input) throws IOException {
        w.putMetadata("sample_ids", new ObjectMapper().writeValueAsString(input.ids()));
        w.putMetadata("first_sample", Integer.toString(input.firstSample()));
        w.putMetadata("partition", Integer.toString(input.index()));
        w.putMetadata("layer_convention", convention);
        w.putMetadata("positions", Integer.toString(position));
        w.putMetadata("model", spec.model());
        return w;
    }

    @Override
    public BlockStatistics merge(BlockStatistics acc, BlockStatistics next) {
        return acc.merge(next);
    }
}
