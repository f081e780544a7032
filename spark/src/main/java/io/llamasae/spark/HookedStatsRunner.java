package io.llamasae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.data.Sample;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.PartitionRunner;
import io.llamasae.scaleout.ShardSink;
import io.llamasae.study.HookedEncoding;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Phase-1 partition runner on today's engine API ({@link HookedEncoding}): one SAE per block, encoded inside the
 * forward pass at one position; feature statistics and SAE metrics per block; optionally the sparse codes
 * ({@code layer{L}.pos{P}.indices / .values}) and the residual rows ({@code layer{L}.pos{P}}) as shards. The sweep's
 * pass replaces it (see the README's Spark notes for what that takes).
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
        // HookedEncoding reads a sample's id and prompt only; the rest of a Sample lives on the driver.
        List<Sample> samples = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            samples.add(new Sample(input.ids().get(i), input.prompts().get(i), "", List.of(), "", "", List.of()));
        }
        StreamingSafetensorsWriter codeShard = codes ? withMetadata(shards.open("codes"), input) : null;
        StreamingSafetensorsWriter actShard = activations ? withMetadata(shards.open("activations"), input) : null;
        Set<String> declared = new HashSet<>();
        HookedEncoding.BatchConsumer consumer = (codeShard == null && actShard == null) ? null
                : (block, rows, sampleIndex, k, idx, val, x) -> {
                    String name = "layer" + layerNames.get(block) + ".pos" + position;
                    int d = engine.model().info().nEmbd();
                    if (declared.add(name)) {
                        if (codeShard != null) {
                            codeShard.declare(name + ".indices", DType.I32, k);
                            codeShard.declare(name + ".values", DType.F32, k);
                        }
                        if (actShard != null) {
                            actShard.declare(name, DType.F32, d);
                        }
                    }
                    if (codeShard != null) {
                        codeShard.appendRows(name + ".indices", idx, 0, rows * k);
                        codeShard.appendRows(name + ".values", val, 0, rows * k);
                    }
                    if (actShard != null) {
                        actShard.appendRows(name, x, 0, rows * d);
                    }
                };
        var stats = HookedEncoding.run(engine.engine(), samples, input.firstSample(), engine.saes(), position, spec.batch(), topN, null,
                consumer);
        BlockStatistics out = new BlockStatistics();
        stats.forEach((block, ls) -> out.put(block, ls.features(), ls.metrics()));
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
