package io.llamasae.engine;

/**
 * Settings of an {@link Engine} (one llama.cpp context).
 *
 * @param nCtx     tokens per decode call, all prompts of the call together (0 = min(train ctx, 4096))
 * @param nSeqMax  prompts per decode call (1..256)
 * @param nThreads CPU threads (0 = all cores)
 * @param hook     install the eval callback; false gives plain llama.cpp, the baseline for benchmarks
 * @param kvF32    F32 KV cache (exact comparisons with references) instead of llama.cpp's F16 default
 */
public record EngineOptions(int nCtx, int nSeqMax, int nThreads, boolean hook, boolean kvF32) {
    public static EngineOptions defaults() {
        return new EngineOptions(0, 16, 0, true, false);
    }

    public EngineOptions withCtx(int n) {
        return new EngineOptions(n, nSeqMax, nThreads, hook, kvF32);
    }

    public EngineOptions withSeqMax(int n) {
        return new EngineOptions(nCtx, n, nThreads, hook, kvF32);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(nCtx, nSeqMax, n, hook, kvF32);
    }

    public EngineOptions withHook(boolean h) {
        return new EngineOptions(nCtx, nSeqMax, nThreads, h, kvF32);
    }

    public EngineOptions withKvF32(boolean f) {
        return new EngineOptions(nCtx, nSeqMax, nThreads, hook, f);
    }
}
