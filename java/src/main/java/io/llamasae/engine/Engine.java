package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.bind.LlamaSaeLib.llama_sae_context;
import io.llamasae.bind.LlamaSaeLib.llama_sae_context_params;
import java.util.List;
import org.bytedeco.javacpp.IntPointer;

/**
 * One llama.cpp context over a {@link Model} with the llama-sae hook installed: batched forward
 * passes over many prompts that capture residual-stream rows inside the pass.
 *
 * <p>Not thread-safe; use one engine per thread. Close it before its model.
 */
public final class Engine implements AutoCloseable {
    private final Model model;
    private final EngineOptions options;
    private llama_sae_context ctx;
    private CaptureSpec capture = CaptureSpec.none();
    private long runCount;

    private Engine(Model model, EngineOptions options, llama_sae_context ctx) {
        this.model = model;
        this.options = options;
        this.ctx = ctx;
    }

    public static Engine open(Model model, EngineOptions options) {
        llama_sae_context_params p = LlamaSaeLib.llama_sae_context_default_params();
        p.n_ctx(options.nCtx()).n_seq_max(options.nSeqMax()).n_pack(options.nPack()).n_threads(options.nThreads()).hook(options.hook())
                .kv_f32(options.kvF32());
        llama_sae_context out = new llama_sae_context();
        try {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_init(model.handle(), p, out), "context_init");
        } finally {
            p.close();
        }
        return new Engine(model, options, out);
    }

    public Model model() {
        return model;
    }

    public EngineOptions options() {
        return options;
    }

    /** Tokens one decode call holds; a prompt longer than this is rejected. */
    public int contextSize() {
        return LlamaSaeLib.llama_sae_context_n_ctx(handle());
    }

    /** Sets what the next runs capture (validated against the model: layer range, duplicates). */
    public void setCapture(CaptureSpec spec) {
        int[] layers = spec.layers().stream().mapToInt(Integer::intValue).toArray();
        int[] positions = spec.positions().stream().mapToInt(Integer::intValue).toArray();
        try (IntPointer l = new IntPointer(Math.max(1, layers.length)); IntPointer p = new IntPointer(Math.max(1, positions.length))) {
            l.put(layers);
            p.put(positions);
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_capture(handle(), l, layers.length, p, positions.length,
                    spec.allPositions()), "set_capture");
        }
        capture = spec;
    }

    /**
     * Attaches an SAE to a captured block: every run then encodes that block's captured rows inside
     * the hook ({@link RunResult#codes}). {@code k = 0} uses the SAE's default; {@code sae = null}
     * detaches. The block must be in the current capture spec; the SAE must stay open while attached.
     */
    public void attachSae(int block, NativeSae sae, int k) {
        if (sae != null) sae.sae().checkWidth(model.info().nEmbd());
        LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_sae(handle(), block,
                sae == null ? new LlamaSaeLib.llama_sae_sae() : sae.handle(), k), "set_sae");
    }

    public CaptureSpec capture() {
        return capture;
    }

    /**
     * Runs tokenized prompts through the model in as few decode calls as fit, capturing the rows of
     * the current {@link CaptureSpec}. Everything is validated before the first decode (empty
     * prompt, prompt longer than the context, token id, position outside a prompt).
     *
     * @return views of the engine's result buffers, valid until the next run
     */
    public RunResult run(List<int[]> prompts) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("run: no prompts");
        int[] offsets = new int[prompts.size() + 1];
        int total = 0;
        for (int i = 0; i < prompts.size(); i++) {
            offsets[i] = total;
            total = Math.addExact(total, prompts.get(i).length);
        }
        offsets[prompts.size()] = total;
        try (IntPointer tokens = new IntPointer(Math.max(1, total)); IntPointer offs = new IntPointer(offsets.length)) {
            int at = 0;
            for (int[] p : prompts) {
                tokens.put(p, 0, p.length).position(at += p.length);
            }
            tokens.position(0);
            offs.put(offsets);
            runCount++;
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_run(handle(), tokens, offs, prompts.size()), "run");
        }
        return new RunResult(this, runCount, capture, prompts.size());
    }

    long runCount() {
        return runCount;
    }

    llama_sae_context handle() {
        if (ctx == null) throw new IllegalStateException("engine is closed");
        return ctx;
    }

    @Override
    public void close() {
        if (ctx != null) {
            LlamaSaeLib.llama_sae_context_free(ctx);
            ctx = null;
        }
    }
}
