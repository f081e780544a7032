package io.llamasae.lm;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.bind.LmTrainerLib;
import io.llamasae.bind.LmTrainerLib.llama_sae_lm;
import io.llamasae.engine.LlamaSaeException;
import io.llamasae.engine.NativeLibrary;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The native trainer ({@code native/include/llama_sae_lm.h}): weights, gradients and AdamW moments
 * of one model in native memory, forward/backward passes over batches of token sequences, and
 * optimizer steps. Not thread-safe; close it to free the memory (buffers obtained from it become
 * invalid then).
 */
public final class NativeLm implements AutoCloseable {
    /**
     * One weight tensor: elements [offset, offset + rows * cols) of the weight vector, row-major
     * [rows, cols]; vectors have rows = 1. Its GGUF shape is ne = {cols, rows} (or {cols}).
     */
    public record Tensor(String name, long offset, long rows, long cols) {
        public int size() {
            return Math.toIntExact(rows * cols);
        }

        public boolean isMatrix() {
            return rows > 1;
        }

        /** ggml's ne (innermost first). */
        public long[] ne() {
            return isMatrix() ? new long[] {cols, rows} : new long[] {cols};
        }
    }

    /** Loss of a batch: the weighted mean next-token cross-entropy and the sum of the weights. */
    public record Loss(double loss, double weightSum) {}

    private llama_sae_lm handle;
    private final LmArchitecture arch;
    private final List<Tensor> tensors;
    private final int nParams;

    private NativeLm(llama_sae_lm handle, LmArchitecture arch) {
        this.handle = handle;
        this.arch = arch;
        this.nParams = Math.toIntExact(LmTrainerLib.llama_sae_lm_n_params(handle));
        List<Tensor> ts = new ArrayList<>();
        try (LmTrainerLib.llama_sae_lm_tensor t = new LmTrainerLib.llama_sae_lm_tensor()) {
            for (int i = 0; i < LmTrainerLib.llama_sae_lm_n_tensors(handle); i++) {
                check(LmTrainerLib.llama_sae_lm_get_tensor(handle, i, t), "lm_get_tensor");
                ts.add(new Tensor(t.name().getString(), t.offset(), t.rows(), t.cols()));
            }
        }
        this.tensors = Collections.unmodifiableList(ts);
    }

    /** A model of this shape with zero weights; nThreads 0 = all cores. */
    public static NativeLm create(LmArchitecture arch, int nThreads) {
        NativeLibrary.ensureLoaded();
        try (LmTrainerLib.llama_sae_lm_params p = LmTrainerLib.llama_sae_lm_default_params()) {
            p.n_vocab(arch.nVocab()).n_embd(arch.nEmbd()).n_layer(arch.nLayer()).n_head(arch.nHead()).n_ff(arch.nFf())
                    .n_ctx(arch.nCtx()).rope_freq_base(arch.ropeFreqBase()).rms_eps(arch.rmsEps()).n_threads(nThreads);
            llama_sae_lm out = new llama_sae_lm();
            check(LmTrainerLib.llama_sae_lm_init(p, out), "lm_init");
            return new NativeLm(out, arch);
        }
    }

    public LmArchitecture architecture() {
        return arch;
    }

    /** The weight tensors in layout order (the native layout is the one definition). */
    public List<Tensor> tensors() {
        return tensors;
    }

    public int nParams() {
        return nParams;
    }

    /** [nParams] weights, zero-copy view of native memory. */
    public FloatBuffer weights() {
        return view(LmTrainerLib.llama_sae_lm_weights(handle()));
    }

    /** [nParams] gradients of the last backward pass (clipped after an optimizer step). */
    public FloatBuffer grads() {
        return view(LmTrainerLib.llama_sae_lm_grads(handle()));
    }

    /** [nParams] AdamW first moments. */
    public FloatBuffer adamM() {
        return view(LmTrainerLib.llama_sae_lm_adam_m(handle()));
    }

    /** [nParams] AdamW second moments. */
    public FloatBuffer adamV() {
        return view(LmTrainerLib.llama_sae_lm_adam_v(handle()));
    }

    /** A copy of one tensor's weights. */
    public float[] tensorWeights(Tensor t) {
        float[] out = new float[t.size()];
        weights().get(Math.toIntExact(t.offset()), out);
        return out;
    }

    /**
     * Weighted next-token loss of a batch; with {@code backward} the gradients land in {@link #grads()}.
     *
     * @param batch sequences and the weight of each token as a prediction target
     */
    public Loss loss(TokenBatch batch, boolean backward) {
        try (IntPointer tokens = new IntPointer(batch.tokens()); IntPointer offsets = new IntPointer(batch.offsets());
             FloatPointer weights = new FloatPointer(batch.weights()); DoublePointer loss = new DoublePointer(1);
             DoublePointer wsum = new DoublePointer(1)) {
            check(LmTrainerLib.llama_sae_lm_loss(handle(), tokens, offsets, batch.size(), weights, backward, loss, wsum), "lm_loss");
            return new Loss(loss.get(), wsum.get());
        }
    }

    /** Logits [nTokens * nVocab] at every position of every sequence of the batch (weights ignored). */
    public float[] logits(TokenBatch batch) {
        long n = Math.multiplyExact((long) batch.tokens().length, arch.nVocab());
        try (IntPointer tokens = new IntPointer(batch.tokens()); IntPointer offsets = new IntPointer(batch.offsets());
             FloatPointer out = new FloatPointer(n)) {
            check(LmTrainerLib.llama_sae_lm_logits(handle(), tokens, offsets, batch.size(), out), "lm_logits");
            float[] logits = new float[Math.toIntExact(n)];
            out.get(logits);
            return logits;
        }
    }

    /**
     * Clips the last gradients to {@code p.clipNorm()} (global L2 norm) and applies one AdamW step.
     *
     * @return the gradient norm before clipping
     * @throws LlamaSaeException when the gradient norm is not finite (the weights are left unchanged)
     */
    public double adamwStep(AdamW p) {
        try (LmTrainerLib.llama_sae_lm_adamw_params q = LmTrainerLib.llama_sae_lm_adamw_default_params();
             DoublePointer norm = new DoublePointer(1)) {
            q.lr(p.lr()).beta1(p.beta1()).beta2(p.beta2()).eps(p.eps()).weight_decay(p.weightDecay()).clip_norm(p.clipNorm())
                    .step(p.step());
            check(LmTrainerLib.llama_sae_lm_adamw_step(handle(), q, norm), "lm_adamw_step");
            return norm.get();
        }
    }

    /**
     * One AdamW step's settings.
     *
     * @param lr          learning rate of this step
     * @param beta1       first-moment decay
     * @param beta2       second-moment decay
     * @param eps         denominator epsilon
     * @param weightDecay decoupled weight decay (matrices only)
     * @param clipNorm    global gradient-norm clip (0 = none)
     * @param step        1-based step (bias correction)
     */
    public record AdamW(float lr, float beta1, float beta2, float eps, float weightDecay, float clipNorm, long step) {}

    private FloatBuffer view(FloatPointer p) {
        return p.capacity(nParams).asBuffer();
    }

    private llama_sae_lm handle() {
        if (handle == null) throw new IllegalStateException("the native trainer is closed");
        return handle;
    }

    static void check(int status, String what) {
        if (status == LlamaSaeLib.LLAMA_SAE_OK) return;
        String msg = LlamaSaeLib.llama_sae_last_error().getString();
        throw new LlamaSaeException(status, msg.isEmpty() ? what + " failed with status " + status : msg);
    }

    @Override
    public void close() {
        if (handle != null) {
            LmTrainerLib.llama_sae_lm_free(handle);
            handle = null;
        }
    }
}
