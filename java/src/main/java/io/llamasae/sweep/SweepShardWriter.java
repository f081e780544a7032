package io.llamasae.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.RunResult;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import io.llamasae.scaleout.ShardSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a sweep's codes ({@code layer{L}.pos{P}.indices} I32 [N, k], {@code .values} F32 [N, k}) and activations
 * ({@code layer{L}.pos{P}} F32 [N, n_embd]) into the partition's shards, with the token position of every row of a
 * position ({@code pos{P}.position} I32 [N], in the codes file), each batch's (layer, position) block appended
 * straight from engine memory; the files follow the project's codes and activation conventions, so {@code analyze
 * --codes}, {@code stats} and {@code train} read them. {@code __metadata__}: {@code sample_ids} (the partition's),
 * {@code first_sample}, {@code partition}, {@code layer_convention}, {@code layers}, {@code positions}, {@code model},
 * and for codes {@code format}, {@code activation} and {@code n_latents} (when every layer's SAE has the same width).
 */
final class SweepShardWriter implements PassConsumer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SweepSpec spec;
    private final StreamingSafetensorsWriter codes;        // null without codes
    private final StreamingSafetensorsWriter activations;  // null without activations

    SweepShardWriter(SweepSpec spec, LoadedEngine engine, PartitionInput input, ShardSink shards) throws IOException {
        this.spec = spec;
        // The shard sink owns the writers: it commits (or discards) them after the partition.
        this.codes = spec.codes() ? shards.open("codes") : null;
        this.activations = spec.activations() ? shards.open("activations") : null;
        int d = engine.model().info().nEmbd();
        for (int block : spec.blocks()) {
            int k = engine.saes().get(block).sae().defaultK();
            for (int p : spec.positions()) {
                String name = spec.tensorName(block, p);
                if (codes != null) {
                    codes.declare(name + ".indices", DType.I32, k);
                    codes.declare(name + ".values", DType.F32, k);
                }
                if (activations != null) activations.declare(name, DType.F32, d);
            }
        }
        if (codes != null) {
            // The token position of each row (negative positions resolve per prompt), so analyze --codes reports the same
            // positions as a pass over the model.
            for (int p : spec.positions()) codes.declare(positionTensor(p), DType.I32);
            metadata(codes, input, engine);
            codes.putMetadata("format", "llama-sae-codes/1");
            var saes = engine.saes().values().stream().map(s -> s.sae()).toList();
            codes.putMetadata("activation", saes.get(0).activation().id());
            if (saes.stream().mapToInt(s -> s.numLatents()).distinct().count() == 1) {
                codes.putMetadata("n_latents", Integer.toString(saes.get(0).numLatents()));
            }
        }
        if (activations != null) {
            metadata(activations, input, engine);
            activations.putMetadata("format", "llama-sae-activations/1");
            activations.putMetadata("n_embd", Integer.toString(d));
        }
    }

    /** The writers this partition appends to (for checkpoints). */
    List<StreamingSafetensorsWriter> writers() {
        List<StreamingSafetensorsWriter> out = new ArrayList<>();
        if (codes != null) out.add(codes);
        if (activations != null) out.add(activations);
        return out;
    }

    private void metadata(StreamingSafetensorsWriter w, PartitionInput input, LoadedEngine engine) throws JsonProcessingException {
        w.putMetadata("sample_ids", JSON.writeValueAsString(input.ids()));
        w.putMetadata("first_sample", Integer.toString(input.firstSample()));
        w.putMetadata("partition", Integer.toString(input.index()));
        w.putMetadata("layer_convention", spec.convention());
        w.putMetadata("layers", JSON.writeValueAsString(spec.blocks().stream().map(spec.layerNames()::get).toList()));
        w.putMetadata("positions", JSON.writeValueAsString(spec.positions()));
        w.putMetadata("model", engine.model().path().getFileName().toString());
    }

    /** The row positions of position {@code p}'s tensors: {@code pos{P}.position} (I32 [N]). */
    static String positionTensor(int p) {
        return "pos" + p + ".position";
    }

    @Override
    public void accept(PassBatch batch) throws IOException {
        if (batch.variant() != 0 || (codes == null && activations == null)) return;
        RunResult r = batch.result();
        List<Integer> blocks = spec.blocks();
        if (codes != null) {
            for (int b = 0; b < r.nBlocks(); b++) {
                ByteBuffer pos = ByteBuffer.allocate(4 * r.blockRows(b)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                IntBuffer all = r.rowPositions();
                for (long i = r.blockOffset(b); i < r.blockOffset(b) + r.blockRows(b); i++) pos.putInt(all.get((int) i));
                codes.appendRows(positionTensor(spec.positions().get(b)), pos.flip());
            }
        }
        for (int slot = 0; slot < blocks.size(); slot++) {
            for (int b = 0; b < r.nBlocks(); b++) {
                String name = spec.tensorName(blocks.get(slot), spec.positions().get(b));
                if (codes != null) {
                    ByteBuffer[] c = r.codeBytes(slot, b);
                    codes.appendRows(name + ".indices", c[0]);
                    codes.appendRows(name + ".values", c[1]);
                }
                if (activations != null) activations.appendRows(name, r.rowBytes(slot, b));
            }
        }
    }
}
