package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Results of one {@link Engine#run}: zero-copy views of engine-owned native buffers, valid until
 * the engine runs again (accessors then throw {@link IllegalStateException}; copy what you keep).
 *
 * <p>Captured rows have the same order for every layer: prompt by prompt, and within a prompt in
 * the order of the capture spec's positions (all positions: ascending).
 */
public final class RunResult {
    private final Engine engine;
    private final long runId;
    private final CaptureSpec capture;
    private final int nPrompts;
    private final int nEmbd;
    private final int nVocab;
    private final long nRows;

    RunResult(Engine engine, long runId, CaptureSpec capture, int nPrompts) {
        this.engine = engine;
        this.runId = runId;
        this.capture = capture;
        this.nPrompts = nPrompts;
        this.nEmbd = engine.model().info().nEmbd();
        this.nVocab = engine.model().info().nVocab();
        this.nRows = LlamaSaeLib.llama_sae_capture_n_rows(engine.handle());
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

    /** [nRows] prompt index (within this run) of each captured row. */
    public IntBuffer rowPrompts() {
        return ints(LlamaSaeLib.llama_sae_capture_row_prompts(live()), nRows);
    }

    /** [nRows] token position of each captured row. */
    public IntBuffer rowPositions() {
        return ints(LlamaSaeLib.llama_sae_capture_row_positions(live()), nRows);
    }

    /** [nRows, nEmbd] residual rows of the layer at {@code slot} in the capture spec's layer list. */
    public FloatBuffer rows(int slot) {
        if (slot < 0 || slot >= capture.layers().size()) {
            throw new IndexOutOfBoundsException("layer slot " + slot + " of " + capture.layers().size() + " captured layers");
        }
        return floats(LlamaSaeLib.llama_sae_capture_rows(live(), slot), Math.multiplyExact(nRows, (long) nEmbd));
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
        rows(slot);  // validates slot and liveness
        int k = LlamaSaeLib.llama_sae_codes_k(live(), slot);
        if (k == 0) throw new IllegalStateException("no SAE attached to captured layer slot " + slot);
        long n = Math.multiplyExact(nRows, (long) k);
        return new Codes(k, ints(LlamaSaeLib.llama_sae_codes_indices(live(), slot), n),
                floats(LlamaSaeLib.llama_sae_codes_values(live(), slot), n));
    }

    /**
     * Sparse codes of one layer: {@code indices: [nRows, k]} int32 and {@code values: [nRows, k]}
     * float32 (index -1 = padding); rows in the captured row order.
     */
    public record Codes(int k, IntBuffer indices, FloatBuffer values) {}

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

    private LlamaSaeLib.llama_sae_context live() {
        if (engine.runCount() != runId) {
            throw new IllegalStateException("these results belong to an earlier run; copy them before running the engine again");
        }
        return engine.handle();
    }

    private static IntBuffer ints(IntPointer p, long n) {
        if (p == null || p.isNull()) return IntBuffer.allocate(0);
        return p.capacity(n).asBuffer();
    }

    private static FloatBuffer floats(FloatPointer p, long n) {
        if (p == null || p.isNull()) return FloatBuffer.allocate(0);
        if (n > Integer.MAX_VALUE) throw new IllegalStateException("result of " + n + " floats exceeds one buffer; capture fewer rows per run");
        return p.capacity(n).asBuffer();
    }
}
