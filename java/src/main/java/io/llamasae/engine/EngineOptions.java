package io.llamasae.engine;

/**
 * Settings of an {@link Engine} (one llama.cpp context).
 *
 * @param nCtx     longest prompt in tokens, and the KV cache size (0 = min(train ctx, 4096)); with
 *                 {@code kvPerSequence}: the tokens ONE sequence holds (prompt + generated)
 * @param nSeqMax  prompts per decode call (1..256)
 * @param nPack    tokens packed into one decode call (0 = 512). Packed prompts share a unified KV
 *                 cache, so attention work grows with the packed length: a few hundred tokens
 *                 amortize the per-call cost without paying much attention over foreign prompts
 * @param nThreads CPU threads, 0..512 (0 = all cores)
 * @param hook     install the eval callback; false gives plain llama.cpp, the baseline for benchmarks
 * @param kvF32    F32 KV cache and no flash attention (exact comparisons with references)
 * @param kvPerSequence one KV cache per sequence (llama.cpp's {@code kv_unified = false}): in a
 *                 batched generation every token attends over its own sequence only, so a step
 *                 costs O(prompts) instead of O(prompts²); a decode call then holds prompts of one
 *                 length (runs take prompts in order of length). The engine for generation-heavy
 *                 work (validation, accuracy); see the README's design notes
 */
public record EngineOptions(int nCtx, int nSeqMax, int nPack, int nThreads, boolean hook, boolean kvF32, boolean kvPerSequence) {
    /** The largest context: one decode call holds n_ctx tokens and llama.cpp sizes attention buffers for n_ctx x n_ctx. */
    public static final int MAX_CTX = 262_144;

    public EngineOptions {
        // ggml keeps per-thread state in arrays of GGML_MAX_N_THREADS = 512 entries
        if (nThreads < 0 || nThreads > 512) throw new IllegalArgumentException("threads: expected 0..512 (0 = all cores) but found " + nThreads);
        if (nCtx < 0 || nCtx > MAX_CTX) throw new IllegalArgumentException("ctx: expected 0.." + MAX_CTX + " tokens but found " + nCtx);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(0, 16, 0, 0, true, false, false);
    }

    public EngineOptions withCtx(int n) {
        return new EngineOptions(n, nSeqMax, nPack, nThreads, hook, kvF32, kvPerSequence);
    }

    public EngineOptions withSeqMax(int n) {
        return new EngineOptions(nCtx, n, nPack, nThreads, hook, kvF32, kvPerSequence);
    }

    public EngineOptions withPack(int n) {
        return new EngineOptions(nCtx, nSeqMax, n, nThreads, hook, kvF32, kvPerSequence);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(nCtx, nSeqMax, nPack, n, hook, kvF32, kvPerSequence);
    }

    public EngineOptions withHook(boolean h) {
        return new EngineOptions(nCtx, nSeqMax, nPack, nThreads, h, kvF32, kvPerSequence);
    }

    public EngineOptions withKvF32(boolean f) {
        return new EngineOptions(nCtx, nSeqMax, nPack, nThreads, hook, f, kvPerSequence);
    }

    public EngineOptions withKvPerSequence(boolean perSequence) {
        return new EngineOptions(nCtx, nSeqMax, nPack, nThreads, hook, kvF32, perSequence);
    }
}
