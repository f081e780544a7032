package io.llamasae.engine;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.sae.SaeMetrics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Results of one {@link Engine#run} (or generate): zero-copy views of engine-owned native buffers,
 * valid until the engine runs again (accessors then throw {@link IllegalStateException}; copy what
 * you keep).
 *
 * <p>Row layout (the engine's, which is the activation file's order): every captured layer's rows
 * come in {@link RowBlock}s, one per capture position in the spec's order (all positions: one block
 * of every token, prompt by prompt), then one per generated step; each block holds the run's
 * prompts in order. {@link #rowBytes(int, int)} is block b of a layer as little-endian bytes straight
 * from native memory, ready to append to the file tensor {@code layer{L}.pos{P}}: no Java copy.
 */
public final class RunResult {
    private final Engine engine;
    private final long runId;
    private final CaptureSpec capture;
    private final int nPrompts;
    private final int nEmbd;
    private final int nVocab;
    private final long nRows;
    private final int nBlocks;

    RunResult(Engine engine, long runId, CaptureSpec capture, int nPrompts) {
        this.engine = engine;
        this.runId = runId;
        this.capture = capture;
        this.nPrompts = nPrompts;
        this.nEmbd = engine.model().info().nEmbd();
        this.nVocab = engine.model().info().nVocab();
        this.nRows = LlamaSaeLib.llama_sae_capture_n_rows(engine.handle());
        this.nBlocks = LlamaSaeLib.llama_sae_capture_n_blocks(engine.handle());
    }

    public int nPrompts() {
        return nPrompts;
    }

    /** Captured rows per layer. */
    public long nRows() {
        return nRows;
    }

    public int nEmbd() {
        return nEmbd;
    }

    public CaptureSpec capture() {
        return capture;
    }

    /** Row blocks per captured layer (0 when nothing was captured). */
    public int nBlocks() {
        return nBlocks;
    }

    /** What block {@code b} holds ({@link RowBlock#of} of the spec, generated steps only after a generate). */
    public RowBlock block(int b) {
        List<RowBlock> all = RowBlock.of(capture);
        return all.get(checkBlock(b));
    }

    /** First row of block {@code b} ({@code b = nBlocks()} gives {@link #nRows()}). */
    public long blockOffset(int b) {
        if (b < 0 || b > nBlocks) throw new IndexOutOfBoundsException("block " + b + " of " + nBlocks);
        return LlamaSaeLib.llama_sae_capture_block_offset(live(), b);
    }

    /** Rows in block {@code b}. */
    public int blockRows(int b) {
        checkBlock(b);
        return Math.toIntExact(blockOffset(b + 1) - blockOffset(b));
    }

    /** [nRows] prompt index (within this run) of each captured row. */
    public IntBuffer rowPrompts() {
        return ints(LlamaSaeLib.llama_sae_capture_row_prompts(live()), nRows);
    }

    /** [nRows] token position of each captured row (-1: a generated step that was never reached). */
    public IntBuffer rowPositions() {
        return ints(LlamaSaeLib.llama_sae_capture_row_positions(live()), nRows);
    }

    /** [nRows, nEmbd] residual rows of the layer at {@code slot} in the capture spec's layer list. */
    public FloatBuffer rows(int slot) {
        checkSlot(slot);
        requireOutput(PassOutput.ROWS);
        return floats(LlamaSaeLib.llama_sae_capture_rows(live(), slot), Math.multiplyExact(nRows, (long) nEmbd));
    }

    /** [blockRows(b), nEmbd] rows of block {@code b} of the layer at {@code slot}. */
    public FloatBuffer rows(int slot, int block) {
        return slice(rows(slot), blockOffset(block) * nEmbd, (long) blockRows(block) * nEmbd);
    }

    /** Block {@code b} of a layer's rows as little-endian bytes of native memory (for the safetensors writer). */
    public ByteBuffer rowBytes(int slot, int block) {
        checkSlot(slot);
        requireOutput(PassOutput.ROWS);
        FloatPointer p = LlamaSaeLib.llama_sae_capture_rows(live(), slot);
        return bytes(p, blockOffset(block) * nEmbd * 4L, (long) blockRows(block) * nEmbd * 4L);
    }

    /** [nRows, nEmbd] residual rows of llama.cpp block {@code block}. */
    public FloatBuffer rowsOfBlock(int block) {
        int slot = capture.layers().indexOf(block);
        if (slot < 0) throw new IllegalArgumentException("block " + block + " was not captured (captured: " + capture.layers() + ")");
        return rows(slot);
    }

    /** One captured row, copied. */
    public float[] row(int slot, long r) {
        float[] out = new float[nEmbd];
        rows(slot).get(Math.toIntExact(r * nEmbd), out);
        return out;
    }

    /** SAE codes of the layer at {@code slot} (an SAE must be attached there), as zero-copy views. */
    public Codes codes(int slot) {
        int k = codesK(slot);
        long n = Math.multiplyExact(nRows, (long) k);
        return new Codes(k, ints(LlamaSaeLib.llama_sae_codes_indices(live(), slot), n),
                floats(LlamaSaeLib.llama_sae_codes_values(live(), slot), n));
    }

    /** Codes of block {@code b} of the layer at {@code slot}. */
    public Codes codes(int slot, int block) {
        Codes all = codes(slot);
        long first = blockOffset(block) * all.k();
        long n = (long) blockRows(block) * all.k();
        return new Codes(all.k(), slice(all.indices(), first, n), slice(all.values(), first, n));
    }

    /** Block {@code b}'s code indices (I32) and values (F32) as little-endian bytes of native memory. */
    public ByteBuffer[] codeBytes(int slot, int block) {
        int k = codesK(slot);
        long first = blockOffset(block) * k * 4L;
        long n = (long) blockRows(block) * k * 4L;
        return new ByteBuffer[] {bytes(LlamaSaeLib.llama_sae_codes_indices(live(), slot), first, n),
                bytes(LlamaSaeLib.llama_sae_codes_values(live(), slot), first, n)};
    }

    private int codesK(int slot) {
        checkSlot(slot);
        requireOutput(PassOutput.CODES);
        int k = LlamaSaeLib.llama_sae_codes_k(live(), slot);
        if (k == 0) throw new IllegalStateException("no SAE attached to captured layer slot " + slot);
        return k;
    }

    /**
     * Sparse codes of one layer: {@code indices: [rows, k]} int32 and {@code values: [rows, k]}
     * float32 (index -1 = padding); rows in the captured row order.
     */
    public record Codes(int k, IntBuffer indices, FloatBuffer values) {}

    /**
     * Adds this run's feature statistics of block {@code b} of the layer at {@code slot} (computed in
     * the forward pass, {@link PassOutput#STATISTICS} or {@link PassOutput#METRICS}) into
     * {@code into}: bit-identical to accumulating the codes there. Sample index = {@code sampleBase}
     * + the prompt's index in this run.
     */
    public void mergeStatistics(int slot, int block, FeatureStatistics into, int sampleBase) {
        try (LlamaSaeLib.llama_sae_feature_stats s = featureStats(slot, block)) {
            int n = s.n_features();
            int tops = s.top_offset().capacity(n + 1).get(n);
            int hists = s.hist_offset().capacity(n + 1).get(n);
            into.mergePartial(s.rows(), ints(s.feature(), n), longs(s.count(), n), longs(s.sum_abs(), 2L * n), longs(s.sum(), 2L * n),
                    floats(s.max_abs(), n), ints(s.top_offset(), n + 1L), floats(s.top_value(), tops), ints(s.top_prompt(), tops),
                    ints(s.top_position(), tops), ints(s.hist_offset(), n + 1L), ints(s.hist_key(), hists), longs(s.hist_count(), hists),
                    sampleBase);
        }
    }

    /** Adds this run's reconstruction sums and latent counts of one (slot, block) into {@code into} ({@link PassOutput#METRICS}). */
    public void mergeMetrics(int slot, int block, SaeMetrics into) {
        try (LlamaSaeLib.llama_sae_recon_sums r = new LlamaSaeLib.llama_sae_recon_sums();
             LlamaSaeLib.llama_sae_feature_stats s = featureStats(slot, block)) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_recon_sums(live(), slot, block, r), "recon_sums");
            int n = s.n_features();
            into.mergePartial(r.rows(), longs(r.sums(), 2L * (3 + r.n_embd())), ints(s.feature(), n), longs(s.count(), n));
        }
    }

    private LlamaSaeLib.llama_sae_feature_stats featureStats(int slot, int block) {
        checkSlot(slot);
        checkBlock(block);
        LlamaSaeLib.llama_sae_feature_stats s = new LlamaSaeLib.llama_sae_feature_stats();
        try {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_feature_stats(live(), slot, block, s), "feature_stats");
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** [nPrompts, nVocab] logits of the last token of every prompt. */
    public FloatBuffer lastLogits() {
        return floats(LlamaSaeLib.llama_sae_context_last_logits(live()), (long) nPrompts * nVocab);
    }

    /** Logits of the last token of one prompt, copied. */
    public float[] lastLogits(int prompt) {
        float[] out = new float[nVocab];
        lastLogits().get(prompt * nVocab, out);
        return out;
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= capture.layers().size()) {
            throw new IndexOutOfBoundsException("layer slot " + slot + " of " + capture.layers().size() + " captured layers");
        }
    }

    private int checkBlock(int b) {
        if (b < 0 || b >= nBlocks) throw new IndexOutOfBoundsException("row block " + b + " of " + nBlocks);
        return b;
    }

    private void requireOutput(PassOutput o) {
        if (!engine.outputs().contains(o)) {
            throw new IllegalStateException("the run did not produce " + o + " (outputs: " + engine.outputs() + "; see Engine.setOutputs)");
        }
    }

    private LlamaSaeLib.llama_sae_context live() {
        if (engine.runCount() != runId) {
            throw new IllegalStateException("these results belong to an earlier run; copy them before running the engine again");
        }
        return engine.handle();
    }

    private static IntBuffer ints(IntPointer p, long n) {
        if (p == null || p.isNull() || n == 0) return IntBuffer.allocate(0);
        return p.capacity(n).asBuffer();
    }

    private static LongBuffer longs(LongPointer p, long n) {
        if (p == null || p.isNull() || n == 0) return LongBuffer.allocate(0);
        return p.capacity(n).asBuffer();
    }

    private static FloatBuffer floats(FloatPointer p, long n) {
        if (p == null || p.isNull() || n == 0) return FloatBuffer.allocate(0);
        if (n > Integer.MAX_VALUE) throw new IllegalStateException("result of " + n + " floats exceeds one buffer; capture fewer rows per run");
        return p.capacity(n).asBuffer();
    }

    /** A little-endian view of {@code n} bytes of p's memory from {@code offset}: the native memory itself. */
    private static ByteBuffer bytes(Pointer p, long offset, long n) {
        if (n == 0) return ByteBuffer.allocate(0);
        if (p == null || p.isNull()) throw new IllegalStateException("no native buffer for this output");
        if (n > Integer.MAX_VALUE) throw new IllegalStateException("block of " + n + " bytes exceeds one buffer; run fewer prompts per batch");
        // safetensors is little-endian, as the machines the engine is built for
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) throw new IllegalStateException("a big-endian host needs a byte swap");
        BytePointer b = new BytePointer(p);  // the same address, counted in bytes
        b.position(0).capacity(offset + n);
        return b.position(offset).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatBuffer slice(FloatBuffer b, long from, long n) {
        return b.slice(Math.toIntExact(from), Math.toIntExact(n));
    }

    private static IntBuffer slice(IntBuffer b, long from, long n) {
        return b.slice(Math.toIntExact(from), Math.toIntExact(n));
    }
}
