package io.llamasae.engine;

import java.util.List;

/**
 * Result of {@link Engine#generate}.
 *
 * @param tokens      new tokens per prompt (the prompt is not repeated)
 * @param texts       their detokenized text
 * @param firstLogits [nPrompts][nVocab] logits at the last prompt token (the first generated step),
 *                    for KL divergences between clean and intervened runs
 */
public record Generation(List<int[]> tokens, List<String> texts, float[][] firstLogits) {}
