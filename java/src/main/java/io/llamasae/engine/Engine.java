package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.bind.LlamaSaeLib.llama_sae_context;
import io.llamasae.bind.LlamaSaeLib.llama_sae_context_params;
import io.llamasae.sae.SplicedLoss;
import java.util.List;
import java.util.Set;
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
    private Set<PassOutput> outputs = PassOutput.DEFAULT;
    private int topN = io.llamasae.analysis.FeatureStatistics.DEFAULT_TOP_N;
    private long runCount;
    // SAEs attached to blocks: the native engine points at their weights, so a closed one must never run.
    private final java.util.Map<Integer, NativeSae> attached = new java.util.HashMap<>();

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
        int[] steps = spec.generatedSteps().stream().mapToInt(Integer::intValue).toArray();
        try (IntPointer g = new IntPointer(Math.max(1, steps.length))) {
            g.put(steps);
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_capture_generated(handle(), g, steps.length), "set_capture_generated");
        }
        capture = spec;
    }

    /**
     * What every captured layer produces from the next run on (default {@link PassOutput#DEFAULT}:
     * rows and codes). Codes, statistics and metrics come from captured layers with an attached
     * SAE; each row is encoded once whatever is asked. Without {@link PassOutput#ROWS} the engine
     * keeps O(k) per captured row and layer, not O(n_embd).
     *
     * @param topN top samples per feature the statistics keep
     */
    public void setOutputs(Set<PassOutput> outputs, int topN) {
        int mask = 0;
        for (PassOutput o : outputs) mask |= o.code();
        LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_outputs(handle(), mask, topN), "set_outputs");
        this.outputs = Set.copyOf(outputs);
        this.topN = topN;
    }

    /** Top samples per feature the statistics of the next runs keep. */
    public int topN() {
        return topN;
    }

    /** The outputs of the next runs. */
    public Set<PassOutput> outputs() {
        return outputs;
    }

    /** The SAE attached to a block, or null. */
    public NativeSae attachedSae(int block) {
        return attached.get(block);
    }

    /**
     * Attaches an SAE to a block: runs then encode that block's captured rows inside the hook
     * ({@link RunResult#codes}), and interventions at the block use it. {@code k = 0} uses the SAE's
     * default; {@code sae = null} detaches. The SAE must stay open while attached.
     */
    public void attachSae(int block, NativeSae sae, int k) {
        if (sae != null) sae.sae().checkWidth(model.info().nEmbd());
        LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_sae(handle(), block,
                sae == null ? new LlamaSaeLib.llama_sae_sae() : sae.handle(), k), "set_sae");
        if (sae == null) attached.remove(block);
        else attached.put(block, sae);
    }

    /**
     * Sets the interventions of the following runs and generations (replacing earlier ones). Every
     * edited block needs an attached SAE ({@link #attachSae}); latents, partners, layers and values
     * are validated before anything changes.
     */
    public void setInterventions(InterventionSpec spec) {
        List<Edit> edits = spec.edits();
        int[] positions = spec.positions().stream().mapToInt(Integer::intValue).toArray();
        try (LlamaSaeLib.llama_sae_edit arr = new LlamaSaeLib.llama_sae_edit(edits.size());
             IntPointer pos = new IntPointer(Math.max(1, positions.length))) {
            for (int i = 0; i < edits.size(); i++) {
                Edit e = edits.get(i);
                arr.position(i).layer(e.block()).latent(e.latent()).op(e.op().code()).value(e.value()).partner(e.partner());
            }
            arr.position(0);
            pos.put(positions);
            int mode = spec.replaceWithReconstruction() ? LlamaSaeLib.LLAMA_SAE_EDIT_MODE_RECONSTRUCTION
                    : LlamaSaeLib.LLAMA_SAE_EDIT_MODE_ERROR_PRESERVING;
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_edits(handle(), arr, edits.size(), mode, pos, positions.length,
                    spec.allPositions(), spec.generated()), "set_edits");
        }
    }

    /** Whether captured rows show the residual before (default) or after the block's interventions. */
    public void captureAfterEdits(boolean after) {
        LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_capture_after_edits(handle(), after), "set_capture_after_edits");
    }

    /** Removes all interventions. */
    public void clearInterventions() {
        try (LlamaSaeLib.llama_sae_edit none = new LlamaSaeLib.llama_sae_edit(1); IntPointer pos = new IntPointer(1)) {
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_set_edits(handle(), none, 0, 0, pos, 0, false, false), "set_edits");
        }
    }

    /**
     * Generates continuations of the prompts together (one sequence each, one decode per step) with
     * the current interventions. All prompts must fit at once: at most nSeqMax prompts, and prompt
     * tokens plus prompts × maxTokens at most the context size.
     */
    public Generation generate(List<int[]> prompts, GenerationOptions options) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("generate: no prompts");
        checkAttachedOpen();
        try (PackedPrompts packed = PackedPrompts.of(prompts);
             LlamaSaeLib.llama_sae_generate_params p = LlamaSaeLib.llama_sae_generate_default_params();
             IntPointer n = new IntPointer(1)) {
            p.max_tokens(options.maxTokens()).temperature(options.temperature()).seed((int) options.seed());
            runCount++;
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_generate(handle(), packed.tokens(), packed.offsets(), prompts.size(), p),
                    "generate");
            RunResult captured = new RunResult(this, runCount, capture, prompts.size());
            List<int[]> out = new java.util.ArrayList<>();
            List<String> texts = new java.util.ArrayList<>();
            float[][] first = new float[prompts.size()][];
            for (int i = 0; i < prompts.size(); i++) {
                IntPointer t = LlamaSaeLib.llama_sae_generated_tokens(handle(), i, n);
                int[] gen = new int[n.get()];
                if (gen.length > 0) t.capacity(gen.length).get(gen);
                out.add(gen);
                texts.add(model.detokenize(gen));
                first[i] = captured.lastLogits(i);
            }
            return new Generation(out, texts, first, captured);
        }
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
        checkAttachedOpen();
        try (PackedPrompts packed = PackedPrompts.of(prompts)) {
            runCount++;
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_run(handle(), packed.tokens(), packed.offsets(), prompts.size()), "run");
        }
        return new RunResult(this, runCount, capture, prompts.size());
    }

    /**
     * Spliced-in evaluation of the SAEs attached at {@code blocks} over tokenized prompts: the clean model's
     * next-token cross-entropy, and per block the cross-entropy and KL divergence to the clean distribution
     * with the block's residual at every token replaced by its SAE's reconstruction, and by zeros. Computed
     * in the engine where the logits are (1 + 2 · blocks decodes per decode call, logits at every token);
     * captures and interventions are left as they are, the last run's results are invalidated.
     *
     * @return this call's exact sums, to merge into a running total
     */
    public SplicedLoss evalSplice(List<int[]> prompts, List<Integer> blocks) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("eval_splice: no prompts");
        checkAttachedOpen();
        SplicedLoss out = new SplicedLoss(blocks);
        int[] layers = blocks.stream().mapToInt(Integer::intValue).toArray();
        try (PackedPrompts packed = PackedPrompts.of(prompts); IntPointer l = new IntPointer(layers.length);
             LlamaSaeLib.llama_sae_splice_sums sums = new LlamaSaeLib.llama_sae_splice_sums()) {
            l.put(layers);
            runCount++;
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_eval_splice(handle(), packed.tokens(), packed.offsets(), prompts.size(), l,
                    layers.length), "eval_splice");
            LlamaSaeException.check(LlamaSaeLib.llama_sae_context_splice_sums(handle(), sums), "splice_sums");
            out.mergePartial(sums.ce_tokens(), sums.kl_tokens(), sums.clean_ce().capacity(2).asBuffer(),
                    sums.sums().capacity(8L * layers.length).asBuffer());
        }
        return out;
    }

    /** Prompts concatenated into native memory: tokens, and offsets [n + 1] where prompt i starts. */
    private record PackedPrompts(IntPointer tokens, IntPointer offsets) implements AutoCloseable {
        static PackedPrompts of(List<int[]> prompts) {
            int[] offs = new int[prompts.size() + 1];
            for (int i = 0; i < prompts.size(); i++) offs[i + 1] = Math.addExact(offs[i], prompts.get(i).length);
            IntPointer tokens = new IntPointer(Math.max(1, offs[prompts.size()]));
            for (int i = 0; i < prompts.size(); i++) tokens.position(offs[i]).put(prompts.get(i));
            tokens.position(0);
            IntPointer offsets = new IntPointer(offs.length);
            offsets.put(offs);
            return new PackedPrompts(tokens, offsets);
        }

        @Override
        public void close() {
            tokens.close();
            offsets.close();
        }
    }

    private void checkAttachedOpen() {
        attached.forEach((block, sae) -> {
            if (sae.isClosed()) {
                throw new IllegalStateException("the SAE attached to block " + block + " was closed; detach it (attachSae(" + block
                        + ", null, 0)) before closing it");
            }
        });
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
