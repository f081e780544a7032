package io.llamasae.bind;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
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
 * JavaCPP binding of {@code native/include/llama_sae.h}, one to one. Nothing else lives in this
 * package: the Java API in {@code io.llamasae.engine} wraps these calls, checks their status codes
 * and turns failures into exceptions.
 *
 * <p>The C API throws no C++ exceptions ({@link NoException} keeps the glue lean) and returns
 * engine-owned buffers, exposed to Java as direct buffers without copying.
 */
@Properties(value = @Platform(
        include = "llama_sae.h",
        link = "llama_sae",
        // Order matters: llama_sae_openmp sets OpenMP's wait policy (waiting threads sleep) when it
        // loads, which must happen before libgomp loads (ggml-base needs it). The
        // ggml-cpu-* modules are ggml's CPU backend built per x86-64
        // feature level (the list of ggml/src/CMakeLists.txt under GGML_CPU_ALL_VARIANTS); listing
        // them bundles them in the jar and extracts them beside libllama_sae, where the engine
        // picks the best one for the machine at run time. A build with -Dllama.sae.cpu.variants=OFF
        // has the single ggml-cpu module instead; ggml-cuda exists in CUDA builds only.
        preload = {"llama_sae_openmp", "gomp@.1", "ggml-base@.0", "ggml@.0", "llama@.0",
                "ggml-cpu-x64", "ggml-cpu-sse42", "ggml-cpu-sandybridge", "ggml-cpu-ivybridge", "ggml-cpu-piledriver",
                "ggml-cpu-haswell", "ggml-cpu-skylakex", "ggml-cpu-cannonlake", "ggml-cpu-cascadelake", "ggml-cpu-icelake",
                "ggml-cpu-cooperlake", "ggml-cpu-zen4", "ggml-cpu-alderlake", "ggml-cpu-sapphirerapids",
                "ggml-cpu", "ggml-cuda"}))
@NoException
public final class LlamaSaeLib {
    static {
        Loader.load();
    }

    private LlamaSaeLib() {}

    public static final int LLAMA_SAE_OK = 0;
    public static final int LLAMA_SAE_ERR_INVALID_ARGUMENT = -1;
    public static final int LLAMA_SAE_ERR_IO = -2;
    public static final int LLAMA_SAE_ERR_FORMAT = -3;
    public static final int LLAMA_SAE_ERR_OUT_OF_RANGE = -4;
    public static final int LLAMA_SAE_ERR_CONTEXT_OVERFLOW = -5;
    public static final int LLAMA_SAE_ERR_BUFFER_TOO_SMALL = -6;
    public static final int LLAMA_SAE_ERR_DECODE = -7;
    public static final int LLAMA_SAE_ERR_STATE = -8;
    public static final int LLAMA_SAE_ERR_INTERNAL = -9;

    @Opaque
    public static final class llama_sae_model extends Pointer {
        public llama_sae_model() { super((Pointer) null); }
        public llama_sae_model(Pointer p) { super(p); }
    }

    @Opaque
    public static final class llama_sae_context extends Pointer {
        public llama_sae_context() { super((Pointer) null); }
        public llama_sae_context(Pointer p) { super(p); }
    }

    @Opaque
    public static final class llama_sae_sae extends Pointer {
        public llama_sae_sae() { super((Pointer) null); }
        public llama_sae_sae(Pointer p) { super(p); }
    }

    // llama_sae_kinds.h: the numbered kinds, defined once for the C API and both kernel families.
    public static final int LLAMA_SAE_ACT_TOPK_RELU = 0;
    public static final int LLAMA_SAE_ACT_TOPK_ABS = 1;
    public static final int LLAMA_SAE_ACT_JUMPRELU = 2;
    public static final int LLAMA_SAE_ACT_RELU = 3;

    public static final class llama_sae_sae_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_sae_params() { super((Pointer) null); allocate(); }
        public llama_sae_sae_params(Pointer p) { super(p); }
        private native void allocate();

        public native int n_embd();
        public native llama_sae_sae_params n_embd(int value);
        public native int n_latents();
        public native llama_sae_sae_params n_latents(int value);
        public native int k();
        public native llama_sae_sae_params k(int value);
        public native int activation();
        public native llama_sae_sae_params activation(int value);
    }

    public static final int LLAMA_SAE_EDIT_SCALE = 0;
    public static final int LLAMA_SAE_EDIT_CLAMP = 1;
    public static final int LLAMA_SAE_EDIT_SWAP = 2;
    public static final int LLAMA_SAE_EDIT_STEER = 3;
    public static final int LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING = 0;
    public static final int LLAMA_SAE_EDIT_MODE_RECONSTRUCTION = 1;

    public static final int LLAMA_SAE_OUTPUT_ROWS = 1;
    public static final int LLAMA_SAE_OUTPUT_CODES = 2;
    public static final int LLAMA_SAE_OUTPUT_STATS = 4;
    public static final int LLAMA_SAE_OUTPUT_METRICS = 8;

    /** {@code struct llama_sae_feature_stats}: one run's statistics of one (layer slot, row block). */
    public static final class llama_sae_feature_stats extends Pointer {
        static { Loader.load(); }
        public llama_sae_feature_stats() { super((Pointer) null); allocate(); }
        public llama_sae_feature_stats(Pointer p) { super(p); }
        private native void allocate();

        @MemberGetter public native long rows();
        @MemberGetter public native int n_features();
        @MemberGetter public native @Cast("const int32_t*") IntPointer feature();
        @MemberGetter public native @Cast("const int64_t*") LongPointer count();
        @MemberGetter public native @Cast("const int64_t*") LongPointer sum_abs();
        @MemberGetter public native @Cast("const int64_t*") LongPointer sum();
        @MemberGetter public native @Cast("const float*") FloatPointer max_abs();
        @MemberGetter public native @Cast("const int32_t*") IntPointer top_offset();
        @MemberGetter public native @Cast("const float*") FloatPointer top_value();
        @MemberGetter public native @Cast("const int32_t*") IntPointer top_prompt();
        @MemberGetter public native @Cast("const int32_t*") IntPointer top_position();
        @MemberGetter public native @Cast("const int32_t*") IntPointer hist_offset();
        @MemberGetter public native @Cast("const int32_t*") IntPointer hist_key();
        @MemberGetter public native @Cast("const int64_t*") LongPointer hist_count();
    }

    /** {@code struct llama_sae_recon_sums}: one run's reconstruction sums of one (layer slot, row block). */
    public static final class llama_sae_recon_sums extends Pointer {
        static { Loader.load(); }
        public llama_sae_recon_sums() { super((Pointer) null); allocate(); }
        public llama_sae_recon_sums(Pointer p) { super(p); }
        private native void allocate();

        @MemberGetter public native long rows();
        @MemberGetter public native int n_embd();
        @MemberGetter public native @Cast("const int64_t*") LongPointer sums();
    }

    /** {@code struct llama_sae_splice_sums}: the exact sums of the last spliced-in evaluation. */
    public static final class llama_sae_splice_sums extends Pointer {
        static { Loader.load(); }
        public llama_sae_splice_sums() { super((Pointer) null); allocate(); }
        public llama_sae_splice_sums(Pointer p) { super(p); }
        private native void allocate();

        @MemberGetter public native long ce_tokens();
        @MemberGetter public native long kl_tokens();
        @MemberGetter public native int n_layers();
        @MemberGetter public native @Cast("const int32_t*") IntPointer layers();
        @MemberGetter public native @Cast("const int64_t*") LongPointer clean_ce();
        @MemberGetter public native @Cast("const int64_t*") LongPointer sums();
    }

    /** An array of {@code struct llama_sae_edit}; select elements with {@link #position(long)}. */
    public static final class llama_sae_edit extends Pointer {
        static { Loader.load(); }
        public llama_sae_edit(long size) { super((Pointer) null); allocateArray(size); }
        public llama_sae_edit(Pointer p) { super(p); }
        private native void allocateArray(long size);
        @Override public llama_sae_edit position(long position) { return (llama_sae_edit) super.position(position); }

        public native int layer();
        public native llama_sae_edit layer(int value);
        public native int latent();
        public native llama_sae_edit latent(int value);
        public native int op();
        public native llama_sae_edit op(int value);
        public native float value();
        public native llama_sae_edit value(float value);
        public native int partner();
        public native llama_sae_edit partner(int value);
    }

    public static final class llama_sae_generate_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_generate_params() { super((Pointer) null); allocate(); }
        public llama_sae_generate_params(Pointer p) { super(p); }
        private native void allocate();

        public native int max_tokens();
        public native llama_sae_generate_params max_tokens(int value);
        public native float temperature();
        public native llama_sae_generate_params temperature(float value);
        @Cast("uint32_t") public native int seed();
        public native llama_sae_generate_params seed(int value);
    }

    public static final class llama_sae_model_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_model_params() { super((Pointer) null); allocate(); }
        public llama_sae_model_params(Pointer p) { super(p); }
        private native void allocate();

        public native int n_gpu_layers();
        public native llama_sae_model_params n_gpu_layers(int value);
        @Cast("bool") public native boolean use_mmap();
        public native llama_sae_model_params use_mmap(boolean value);
        public native int main_gpu();
        public native llama_sae_model_params main_gpu(int value);
    }

    public static final class llama_sae_model_info extends Pointer {
        static { Loader.load(); }
        public llama_sae_model_info() { super((Pointer) null); allocate(); }
        public llama_sae_model_info(Pointer p) { super(p); }
        private native void allocate();

        @MemberGetter public native @Cast("char*") BytePointer architecture();
        @MemberGetter public native @Cast("char*") BytePointer description();
        @MemberGetter public native int n_layer();
        @MemberGetter public native int n_embd();
        @MemberGetter public native int n_head();
        @MemberGetter public native int n_head_kv();
        @MemberGetter public native int n_vocab();
        @MemberGetter public native int n_ctx_train();
        @MemberGetter public native long n_params();
        @MemberGetter public native long size_bytes();
        @MemberGetter public native int bos_token();
        @MemberGetter public native int eos_token();
        @MemberGetter @Cast("bool") public native boolean add_bos();
    }

    public static final class llama_sae_context_params extends Pointer {
        static { Loader.load(); }
        public llama_sae_context_params() { super((Pointer) null); allocate(); }
        public llama_sae_context_params(Pointer p) { super(p); }
        private native void allocate();

        public native int n_ctx();
        public native llama_sae_context_params n_ctx(int value);
        public native int n_seq_max();
        public native llama_sae_context_params n_seq_max(int value);
        public native int n_pack();
        public native llama_sae_context_params n_pack(int value);
        public native int n_threads();
        public native llama_sae_context_params n_threads(int value);
        @Cast("bool") public native boolean hook();
        public native llama_sae_context_params hook(boolean value);
        @Cast("bool") public native boolean kv_f32();
        public native llama_sae_context_params kv_f32(boolean value);
        @Cast("bool") public native boolean kv_per_seq();
        public native llama_sae_context_params kv_per_seq(boolean value);
    }

    public static native @Cast("const char*") BytePointer llama_sae_last_error();
    public static native void llama_sae_set_log_level(int level);
    public static native @Cast("const char*") BytePointer llama_sae_version();
    public static native @Cast("bool") boolean llama_sae_has_cuda();
    public static native @Cast("bool") boolean llama_sae_built_with_cuda();

    public static native @ByVal llama_sae_model_params llama_sae_model_default_params();
    public static native int llama_sae_model_load(@Cast("const char*") BytePointer path, @ByVal llama_sae_model_params params,
                                                  @ByPtrPtr llama_sae_model outModel);
    public static native void llama_sae_model_free(llama_sae_model model);
    public static native int llama_sae_model_get_info(@Const llama_sae_model model, llama_sae_model_info out);
    public static native int llama_sae_tokenize(@Const llama_sae_model model, @Cast("const char*") BytePointer text, int textLen,
                                                @Cast("bool") boolean addBos, IntPointer tokens, int nMax, IntPointer nTokens);
    public static native int llama_sae_tokenize_special(@Const llama_sae_model model, @Cast("const char*") BytePointer text, int textLen,
                                                        @Cast("bool") boolean addBos, @Cast("bool") boolean parseSpecial, IntPointer tokens,
                                                        int nMax, IntPointer nTokens);
    public static native int llama_sae_token_to_piece(@Const llama_sae_model model, int token, @Cast("char*") BytePointer buf,
                                                      int bufLen, IntPointer nBytes);

    public static native @ByVal llama_sae_context_params llama_sae_context_default_params();
    public static native int llama_sae_context_init(llama_sae_model model, @ByVal llama_sae_context_params params,
                                                    @ByPtrPtr llama_sae_context outCtx);
    public static native void llama_sae_context_free(llama_sae_context ctx);
    public static native int llama_sae_context_n_ctx(@Const llama_sae_context ctx);
    public static native int llama_sae_context_set_capture(llama_sae_context ctx, @Const IntPointer layers, int nLayers,
                                                           @Const IntPointer positions, int nPositions,
                                                           @Cast("bool") boolean allPositions);
    public static native int llama_sae_context_run(llama_sae_context ctx, @Const IntPointer tokens, @Const IntPointer offsets,
                                                   int nPrompts);

    public static native int llama_sae_context_set_outputs(llama_sae_context ctx, @Cast("uint32_t") int outputs, int topN);
    public static native long llama_sae_capture_n_rows(@Const llama_sae_context ctx);
    public static native int llama_sae_capture_n_blocks(@Const llama_sae_context ctx);
    public static native long llama_sae_capture_block_offset(@Const llama_sae_context ctx, int block);
    public static native int llama_sae_context_feature_stats(@Const llama_sae_context ctx, int layerSlot, int block,
                                                             llama_sae_feature_stats out);
    public static native int llama_sae_context_recon_sums(@Const llama_sae_context ctx, int layerSlot, int block,
                                                          llama_sae_recon_sums out);
    public static native @Const IntPointer llama_sae_capture_row_prompts(@Const llama_sae_context ctx);
    public static native @Const IntPointer llama_sae_capture_row_positions(@Const llama_sae_context ctx);
    public static native @Const FloatPointer llama_sae_capture_rows(@Const llama_sae_context ctx, int layerSlot);
    public static native @Const FloatPointer llama_sae_context_last_logits(@Const llama_sae_context ctx);
    public static native int llama_sae_context_n_prompts(@Const llama_sae_context ctx);

    public static native int llama_sae_sae_create(@ByVal llama_sae_sae_params params, @Const FloatPointer wEnc,
                                                  @Const FloatPointer bEnc, @Const FloatPointer wDec, @Const FloatPointer bDec,
                                                  @Const FloatPointer threshold, @ByPtrPtr llama_sae_sae outSae);
    public static native void llama_sae_sae_free(llama_sae_sae sae);
    public static native int llama_sae_sae_encode(@Const llama_sae_sae sae, @Const FloatPointer x, long nRows, int k,
                                                  IntPointer indices, FloatPointer values, int nThreads);
    public static native int llama_sae_sae_decode(@Const llama_sae_sae sae, @Const IntPointer indices, @Const FloatPointer values,
                                                  long nRows, int k, FloatPointer out);
    public static native int llama_sae_context_set_sae(llama_sae_context ctx, int layer, @Const llama_sae_sae sae, int k);
    public static native int llama_sae_codes_k(@Const llama_sae_context ctx, int layerSlot);
    public static native @Const IntPointer llama_sae_codes_indices(@Const llama_sae_context ctx, int layerSlot);
    public static native @Const FloatPointer llama_sae_codes_values(@Const llama_sae_context ctx, int layerSlot);

    public static native int llama_sae_context_eval_splice(llama_sae_context ctx, @Const IntPointer tokens, @Const IntPointer offsets,
                                                           int nPrompts, @Const IntPointer layers, int nLayers);
    public static native int llama_sae_context_splice_sums(@Const llama_sae_context ctx, llama_sae_splice_sums out);

    public static native int llama_sae_context_set_edits(llama_sae_context ctx, @Const llama_sae_edit edits, int nEdits, int mode,
                                                         @Const IntPointer positions, int nPositions,
                                                         @Cast("bool") boolean allPositions, @Cast("bool") boolean generated);
    public static native @ByVal llama_sae_generate_params llama_sae_generate_default_params();
    public static native int llama_sae_context_generate(llama_sae_context ctx, @Const IntPointer tokens, @Const IntPointer offsets,
                                                        int nPrompts, @ByVal llama_sae_generate_params params);
    public static native @Const IntPointer llama_sae_generated_tokens(@Const llama_sae_context ctx, int prompt, IntPointer nTokens);
    public static native int llama_sae_context_set_capture_after_edits(llama_sae_context ctx, @Cast("bool") boolean after);
    public static native int llama_sae_context_set_capture_generated(llama_sae_context ctx, @Const IntPointer steps, int nSteps);
}
