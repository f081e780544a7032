package io.llamasae.engine;

import java.util.List;

/**
 * Result of {@link Engine#generate}.
 *
 * @param tokens      new tokens per prompt (the prompt is not repeated)
 * @param texts       their detokenized text
 * @param firstLogits [nPrompts][nVocab] logits at the last prompt token (the first generated step),
 *                    for KL divergences between clean and intervened runs
 * @param captured    rows captured during the call (prompt positions, then generated steps; see
 *                    {@link CaptureSpec#generatedSteps()}), zero-copy and valid until the engine runs again
 */
public record Generation(List<int[]> tokens, List<String> texts, float[][] firstLogits, RunResult captured) {}
