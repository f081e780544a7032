package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.bind.LlamaSaeLib.llama_sae_sae;
import io.llamasae.bind.LlamaSaeLib.llama_sae_sae_params;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * An {@link Sae} copied into the native engine: what {@link Engine#attachSae} attaches to a layer
 * and what the fast CPU encode runs on. Close it after every engine using it.
 */
public final class NativeSae implements AutoCloseable {
    private llama_sae_sae handle;
    private final Sae sae;

    private NativeSae(llama_sae_sae handle, Sae sae) {
        this.handle = handle;
        this.sae = sae;
    }

    /** Copies the weights into native memory (validated there again: shapes, k, finite values). */
    public static NativeSae of(Sae sae) {
        NativeLibrary.ensureLoaded();
        llama_sae_sae out = new llama_sae_sae();
        try (llama_sae_sae_params p = new llama_sae_sae_params();
             FloatPointer wEnc = new FloatPointer(sae.wEnc()); FloatPointer bEnc = new FloatPointer(sae.bEnc());
             FloatPointer wDec = new FloatPointer(sae.wDec()); FloatPointer bDec = new FloatPointer(sae.bDec());
             FloatPointer thr = sae.threshold() == null ? new FloatPointer((org.bytedeco.javacpp.Pointer) null)
                     : new FloatPointer(sae.threshold())) {
            p.n_embd(sae.d()).n_latents(sae.numLatents()).k(sae.defaultK()).activation(activationCode(sae.activation()));
            LlamaSaeException.check(LlamaSaeLib.llama_sae_sae_create(p, wEnc, bEnc, wDec, bDec, thr, out), "sae_create");
        }
        return new NativeSae(out, sae);
    }

    /** The activation's number in the C API (native/include/llama_sae_kinds.h). */
    static int activationCode(io.llamasae.sae.Activation a) {
        return switch (a) {
            case TOPK_RELU -> LlamaSaeLib.LLAMA_SAE_ACT_TOPK_RELU;
            case TOPK_ABS -> LlamaSaeLib.LLAMA_SAE_ACT_TOPK_ABS;
            case JUMPRELU -> LlamaSaeLib.LLAMA_SAE_ACT_JUMPRELU;
            case RELU -> LlamaSaeLib.LLAMA_SAE_ACT_RELU;
        };
    }

    public Sae sae() {
        return sae;
    }

    /**
     * Encodes the first {@code n} rows of {@code x: [>= n, d]} into {@code k} codes per row (k = 0:
     * the SAE's default) on {@code threads} threads. Like the Java encoders, x may hold more rows
     * (a reused chunk buffer whose last chunk is partial).
     */
    public SparseCodes encode(float[] x, int n, int k, int threads) {
        int kk = k == 0 ? sae.defaultK() : sae.checkK(k);
        long floats = (long) n * sae.d();
        if (n < 0 || floats > x.length) {
            throw new IllegalArgumentException("encode: input x: expected [n, d] = [" + n + ", " + sae.d() + "] (" + floats
                    + " floats) but found " + x.length + " floats");
        }
        try (FloatPointer xp = new FloatPointer(Math.max(1L, floats)).put(x, 0, (int) floats); IntPointer idx = new IntPointer(Math.max(1L, (long) n * kk));
             FloatPointer val = new FloatPointer(Math.max(1L, (long) n * kk))) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_sae_encode(handle(), xp, n, kk, idx, val, threads), "sae_encode");
            int[] indices = new int[n * kk];
            float[] values = new float[n * kk];
            idx.get(indices);
            val.get(values);
            return new SparseCodes(n, kk, indices, values);
        }
    }

    /** Reconstructs {@code [n, d]} rows from codes: b_dec + sum of value * W_dec[index]. */
    public float[] decode(SparseCodes codes) {
        try (IntPointer idx = new IntPointer(codes.indices()); FloatPointer val = new FloatPointer(codes.values());
             FloatPointer out = new FloatPointer(Math.max(1L, (long) codes.n() * sae.d()))) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_sae_decode(handle(), idx, val, codes.n(), codes.k(), out), "sae_decode");
            float[] x = new float[codes.n() * sae.d()];
            out.get(x);
            return x;
        }
    }

    /** True after {@link #close()}. */
    public boolean isClosed() {
        return handle == null;
    }

    llama_sae_sae handle() {
        if (handle == null) throw new IllegalStateException("native SAE is closed");
        return handle;
    }

    @Override
    public void close() {
        if (handle != null) {
            LlamaSaeLib.llama_sae_sae_free(handle);
            handle = null;
        }
    }
}
