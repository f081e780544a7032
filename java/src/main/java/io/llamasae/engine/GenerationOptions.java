package io.llamasae.engine;

/**
 * How {@link Engine#generate} samples.
 *
 * @param maxTokens   new tokens per prompt at most (generation also stops at the end-of-generation token)
 * @param temperature 0 = greedy (default); otherwise seeded sampling at this temperature
 * @param seed        sampler seed (ignored when greedy)
 */
public record GenerationOptions(int maxTokens, float temperature, long seed) {
    public GenerationOptions {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, found " + maxTokens);
        if (!(temperature >= 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, found " + temperature);
        }
    }

    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, 0f, 0L);
    }
}
