package io.llamasae.bind;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP binding of {@code native/include/llama_sae_lm.h} (the small LLaMA trainer), one to one.
 * Kept apart from {@link LlamaSaeLib} so that the engine's binding and the trainer's evolve
 * independently; both link the same {@code libllama_sae}. Status codes are {@link LlamaSaeLib}'s
 * and the message is {@link LlamaSaeLib#llama_sae_last_error()}.
 */
@Properties(value = @Platform(
        include = "llama_sae_lm.h",
        link = "llama_sae",
        preload = {"gomp@.1", "ggml-base@.0", "ggml-cpu@.0", "ggml@.0", "llama@.0"}))
@NoException
public final class LmTrainerLib {
    static {
        Loader.load();
    }

    private LmTrainerLib() {}

    @Opaque
    public static final class llama_sae_lm extends Pointer {
        public llama_sae_lm() { super((Pointer) null); }
        public llama_sae_lm(Pointer p) { super(p); }
    }

    public static final class llama_sae_lm_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_lm_params() { super((Pointer) null); allocate(); }
        public llama_sae_lm_params(Pointer p) { super(p); }
        private native void allocate();

        public native int n_vocab();
        public native llama_sae_lm_params n_vocab(int value);
        public native int n_embd();
        public native llama_sae_lm_params n_embd(int value);
        public native int n_layer();
        public native llama_sae_lm_params n_layer(int value);
        public native int n_head();
        public native llama_sae_lm_params n_head(int value);
        public native int n_ff();
        public native llama_sae_lm_params n_ff(int value);
        public native int n_ctx();
        public native llama_sae_lm_params n_ctx(int value);
        public native float rope_freq_base();
        public native llama_sae_lm_params rope_freq_base(float value);
        public native float rms_eps();
        public native llama_sae_lm_params rms_eps(float value);
        public native int n_threads();
        public native llama_sae_lm_params n_threads(int value);
    }

    public static final class llama_sae_lm_tensor extends Pointer {
        static { Loader.load(); }
        public llama_sae_lm_tensor() { super((Pointer) null); allocate(); }
        public llama_sae_lm_tensor(Pointer p) { super(p); }
        private native void allocate();

        @MemberGetter public native @Cast("char*") BytePointer name();
        @MemberGetter public native long offset();
        @MemberGetter public native long rows();
        @MemberGetter public native long cols();
    }

    public static final class llama_sae_lm_adamw_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_lm_adamw_params() { super((Pointer) null); allocate(); }
        public llama_sae_lm_adamw_params(Pointer p) { super(p); }
        private native void allocate();

        public native float lr();
        public native llama_sae_lm_adamw_params lr(float value);
        public native float beta1();
        public native llama_sae_lm_adamw_params beta1(float value);
        public native float beta2();
        public native llama_sae_lm_adamw_params beta2(float value);
        public native float eps();
        public native llama_sae_lm_adamw_params eps(float value);
        public native float weight_decay();
        public native llama_sae_lm_adamw_params weight_decay(float value);
        public native float clip_norm();
        public native llama_sae_lm_adamw_params clip_norm(float value);
        public native long step();
        public native llama_sae_lm_adamw_params step(long value);
    }

    public static native @ByVal llama_sae_lm_params llama_sae_lm_default_params();
    public static native int llama_sae_lm_init(@ByVal llama_sae_lm_params params, @ByPtrPtr llama_sae_lm outLm);
    public static native void llama_sae_lm_free(llama_sae_lm lm);
    public static native long llama_sae_lm_n_params(@Const llama_sae_lm lm);
    public static native int llama_sae_lm_n_tensors(@Const llama_sae_lm lm);
    public static native int llama_sae_lm_get_tensor(@Const llama_sae_lm lm, int index, llama_sae_lm_tensor out);
    public static native FloatPointer llama_sae_lm_weights(llama_sae_lm lm);
    public static native FloatPointer llama_sae_lm_grads(llama_sae_lm lm);
    public static native FloatPointer llama_sae_lm_adam_m(llama_sae_lm lm);
    public static native FloatPointer llama_sae_lm_adam_v(llama_sae_lm lm);
    public static native int llama_sae_lm_loss(llama_sae_lm lm, @Const IntPointer tokens, @Const IntPointer offsets, int nSeq,
                                               @Const FloatPointer weights, @Cast("bool") boolean backward, DoublePointer loss,
                                               DoublePointer weightSum);
    public static native int llama_sae_lm_logits(llama_sae_lm lm, @Const IntPointer tokens, @Const IntPointer offsets, int nSeq,
                                                 FloatPointer logits);
    public static native @ByVal llama_sae_lm_adamw_params llama_sae_lm_adamw_default_params();
    public static native int llama_sae_lm_adamw_step(llama_sae_lm lm, @ByVal llama_sae_lm_adamw_params params, DoublePointer gradNorm);
}
