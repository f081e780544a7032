package io.llamasae.engine;

import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link PassConsumer} that streams captured rows (and codes) into safetensors files, batch by
 * batch, so datasets larger than memory work. Every (layer, row block) of a batch is one
 * contiguous block of engine memory in the file's order, appended with one write from the native
 * buffer ({@link RunResult#rowBytes}): no transposes, no Java arrays.
 *
 * <p>File layout (the project's activation-file convention): one F32 tensor per (layer, position)
 * named {@code layer{L}.pos{P}} of shape [N, n_embd], L in the chosen layer convention and P as the
 * user wrote it ({@code pos3}, {@code pos-1}, generated steps {@code posg2}); with all positions,
 * {@code layer{L}.posall} [total tokens, n_embd] plus {@code posall.sample_index} and
 * {@code posall.position} (I32 [total]). Codes: {@code layer{L}.pos{P}.indices} (I32 [N, k]) and
 * {@code .values} (F32 [N, k]) for the layers with an SAE.
 *
 * <p>Resumable mode: the spills live in {@code <out>.partial/} and are checkpointed after every
 * batch ({@link #batchDone}) with a fingerprint of the inputs; {@link #resumeFrom} tells a pass
 * started again with the same inputs where to continue, and refuses other inputs.
 */
public final class ActivationSink implements PassConsumer, AutoCloseable {
    private final CaptureSpec spec;
    private final LayerConvention convention;
    private final Map<Integer, Integer> codesK;  // block -> k, for the layers whose codes are written
    private final StreamingSafetensorsWriter rows;
    private final StreamingSafetensorsWriter codes;  // null without codes
    private final Path out;
    private final boolean resumable;
    private final String fingerprint;

    /**
     * @param codesK      block → k of the layers whose codes go to {@code codesOut} (empty: no codes file)
     * @param fingerprint what a resumed run must match (resumable mode), e.g. {@link Capture#fingerprint}
     */
    public ActivationSink(Path out, Path codesOut, CaptureSpec spec, LayerConvention convention, int nEmbd, Map<Integer, Integer> codesK,
                          boolean resumable, String fingerprint) throws IOException {
        this.out = out;
        this.spec = spec;
        this.convention = convention;
        this.codesK = new LinkedHashMap<>(codesK);
        this.resumable = resumable;
        this.fingerprint = fingerprint;
        StreamingSafetensorsWriter w = resumable ? StreamingSafetensorsWriter.resumable(out) : new StreamingSafetensorsWriter(out);
        StreamingSafetensorsWriter cw = null;
        try {
            List<RowBlock> blocks = RowBlock.of(spec);
            for (int layer : spec.layers()) {
                for (RowBlock b : blocks) w.declare(b.tensorName(layer, convention), DType.F32, nEmbd);
            }
            if (spec.allPositions()) {
                w.declare("posall.sample_index", DType.I32);
                w.declare("posall.position", DType.I32);
            }
            if (!codesK.isEmpty()) {
                cw = resumable ? StreamingSafetensorsWriter.resumable(codesOut) : new StreamingSafetensorsWriter(codesOut);
                for (var e : codesK.entrySet()) {
                    for (RowBlock b : blocks) {
                        String name = b.tensorName(e.getKey(), convention);
                        cw.declare(name + ".indices", DType.I32, e.getValue());
                        cw.declare(name + ".values", DType.F32, e.getValue());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            w.close();
            if (cw != null) cw.close();
            throw e;
        }
        this.rows = w;
        this.codes = cw;
    }

    /** Prompts already written by an interrupted run (0 for a fresh start); refuses a checkpoint of other inputs. */
    public int resumeFrom() {
        Map<String, String> st = rows.resumedState();
        if (st.isEmpty()) return 0;
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        if (!fingerprint.equals(st.get("fingerprint"))) {
            throw new IllegalArgumentException(partial + ": expected the checkpoint of a capture of the same inputs but it holds one of "
                    + "other inputs (model, dataset, layers, positions or SAE differ); delete it or run without --resume");
        }
        if (codes != null && !st.equals(codes.resumedState())) {
            throw new IllegalArgumentException(partial + ": expected the same checkpoint as the codes' partial folder but they disagree "
                    + "(interrupted between their checkpoints); delete both to start over");
        }
        return Integer.parseInt(st.get("samples_done"));
    }

    @Override
    public void accept(PassBatch batch) throws IOException {
        if (batch.variant() != 0) return;  // the first variant's rows
        RunResult r = batch.result();
        List<RowBlock> blocks = RowBlock.of(spec);
        if (spec.allPositions()) {
            // [rows] sample index and position of each token row (small int arrays)
            int n = Math.toIntExact(r.nRows());
            IntBuffer prompts = r.rowPrompts();
            ByteBuffer sample = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) sample.putInt(batch.sampleBase() + prompts.get(i));
            rows.appendRows("posall.sample_index", sample.flip());
            ByteBuffer pos = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            pos.asIntBuffer().put(r.rowPositions());
            rows.appendRows("posall.position", pos);
        }
        for (int slot = 0; slot < spec.layers().size(); slot++) {
            int layer = spec.layers().get(slot);
            for (int b = 0; b < r.nBlocks(); b++) {
                String name = blocks.get(b).tensorName(layer, convention);
                rows.appendRows(name, r.rowBytes(slot, b));
                if (codesK.containsKey(layer)) {
                    ByteBuffer[] c = r.codeBytes(slot, b);
                    codes.appendRows(name + ".indices", c[0]);
                    codes.appendRows(name + ".values", c[1]);
                }
            }
        }
    }

    @Override
    public void batchDone(int done, PassResult soFar) throws IOException {
        if (!resumable) return;
        // codes first: a crash between the two leaves the activations' checkpoint behind, never ahead
        Map<String, String> state = Map.of("fingerprint", fingerprint, "samples_done", Integer.toString(done));
        if (codes != null) codes.checkpoint(state);
        rows.checkpoint(state);
    }

    /** Rows written so far to the first tensor (the first layer's first row block). */
    public long rowsPerTensor() {
        return rows.rows(RowBlock.of(spec).get(0).tensorName(spec.layers().get(0), convention));
    }

    /** Writes the metadata and both files atomically. */
    public void commit(Map<String, String> metadata, Map<String, String> codesMetadata) throws IOException {
        metadata.forEach(rows::putMetadata);
        if (codes != null) {
            codesMetadata.forEach(codes::putMetadata);
            codes.commit();
        }
        rows.commit();
    }

    @Override
    public void close() throws IOException {
        try {
            rows.close();
        } finally {
            if (codes != null) codes.close();
        }
    }
}
