package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.bind.LlamaSaeLib.llama_sae_model;
import io.llamasae.bind.LlamaSaeLib.llama_sae_model_info;
import io.llamasae.bind.LlamaSaeLib.llama_sae_model_params;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/** A GGUF model loaded by llama.cpp. Close it to free its weights. Not thread-safe. */
public final class Model implements AutoCloseable {
    private llama_sae_model handle;
    private final Path path;
    private final ModelInfo info;
    private volatile boolean parseSpecial;

    private Model(llama_sae_model handle, Path path) {
        this.handle = handle;
        this.path = path;
        this.info = readInfo();
    }

    /** Loads a model on the CPU. */
    public static Model load(Path path) {
        return load(path, 0);
    }

    /**
     * Loads a model.
     *
     * @param nGpuLayers layers to offload to a GPU backend (0 = CPU only, -1 = all)
     * @throws LlamaSaeException naming the file when it is missing, not GGUF, truncated or unsupported
     */
    public static Model load(Path path, int nGpuLayers) {
        return load(path, nGpuLayers, -1);
    }

    /**
     * Loads a model onto one chosen GPU (a scheduler's assignment, e.g. Spark's task resources).
     *
     * @param mainGpu -1: llama.cpp's default (offloaded layers split over every visible GPU); {@code >= 0}: the whole
     *                model on this GPU (its CUDA ordinal); ignored when {@code nGpuLayers == 0}
     * @throws LlamaSaeException also when {@code mainGpu} names no GPU this build and machine have
     */
    public static Model load(Path path, int nGpuLayers, int mainGpu) {
        NativeLibrary.ensureLoaded();
        llama_sae_model_params params = LlamaSaeLib.llama_sae_model_default_params();
        params.n_gpu_layers(nGpuLayers);
        params.main_gpu(mainGpu);
        llama_sae_model out = new llama_sae_model();
        try (BytePointer p = new BytePointer(path.toString(), StandardCharsets.UTF_8)) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_model_load(p, params, out), "loading " + path);
        } finally {
            params.close();
        }
        return new Model(out, path);
    }

    public Path path() {
        return path;
    }

    public ModelInfo info() {
        return info;
    }

    /**
     * How {@link #tokenize} treats text that names a special token ({@code <|begin_of_text|>}, the
     * markers of a chat template): as that token ({@code true}) or as plain text (the default).
     * Prompts written in an instruct model's chat template need {@code true}.
     *
     * @return this model
     */
    public Model parseSpecial(boolean parse) {
        this.parseSpecial = parse;
        return this;
    }

    /** Whether {@link #tokenize} turns special-token text into special tokens. */
    public boolean parsesSpecial() {
        return parseSpecial;
    }

    /**
     * Tokenizes text (UTF-8); {@code addBos} adds the model's BOS token if it has one. Special-token
     * text stays plain text unless {@link #parseSpecial(boolean)} was set.
     */
    public int[] tokenize(String text, boolean addBos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int cap = utf8.length + 8;
        try (BytePointer t = new BytePointer(utf8.length + 1); IntPointer n = new IntPointer(1)) {
            t.put(utf8).put(utf8.length, (byte) 0);
            for (int attempt = 0; attempt < 2; attempt++) {
                try (IntPointer tokens = new IntPointer(cap)) {
                    int st = LlamaSaeLib.llama_sae_tokenize_special(handle(), t, utf8.length, addBos, parseSpecial, tokens, cap, n);
                    if (st == LlamaSaeLib.LLAMA_SAE_ERR_BUFFER_TOO_SMALL) {
                        cap = n.get();
                        continue;
                    }
                    LlamaSaeException.check(st, "tokenize");
                    int[] out = new int[n.get()];
                    tokens.get(out);
                    return out;
                }
            }
        }
        throw new IllegalStateException("tokenize: buffer size negotiation failed");
    }

    /** The text of one token (may be a partial UTF-8 sequence for byte tokens). */
    public byte[] tokenPiece(int token) {
        try (BytePointer buf = new BytePointer(64); IntPointer n = new IntPointer(1)) {
            int st = LlamaSaeLib.llama_sae_token_to_piece(handle(), token, buf, 64, n);
            if (st == LlamaSaeLib.LLAMA_SAE_ERR_BUFFER_TOO_SMALL) {
                try (BytePointer big = new BytePointer(n.get())) {
                    LlamaSaeException.check(LlamaSaeLib.llama_sae_token_to_piece(handle(), token, big, n.get(), n), "token_to_piece");
                    byte[] out = new byte[n.get()];
                    big.get(out);
                    return out;
                }
            }
            LlamaSaeException.check(st, "token_to_piece");
            byte[] out = new byte[n.get()];
            buf.get(out);
            return out;
        }
    }

    /** Decodes tokens to text. */
    public String detokenize(int[] tokens) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int t : tokens) bytes.writeBytes(tokenPiece(t));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    llama_sae_model handle() {
        if (handle == null) throw new IllegalStateException("model " + path + " is closed");
        return handle;
    }

    private ModelInfo readInfo() {
        try (llama_sae_model_info i = new llama_sae_model_info()) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_model_get_info(handle, i), "model_get_info");
            return new ModelInfo(i.architecture().getString(), i.description().getString(), i.n_layer(), i.n_embd(),
                    i.n_head(), i.n_head_kv(), i.n_vocab(), i.n_ctx_train(), i.n_params(), i.size_bytes(), i.bos_token(),
                    i.eos_token(), i.add_bos());
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            LlamaSaeLib.llama_sae_model_free(handle);
            handle = null;
        }
    }

    @Override
    public String toString() {
        return "Model[" + path + ", " + info + "]";
    }
}
