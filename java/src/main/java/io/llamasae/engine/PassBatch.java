package io.llamasae.engine;

/**
 * One batch of a {@link Pass} under one variant, as a consumer sees it. The results are views of
 * engine memory, valid only during {@link PassConsumer#accept}.
 *
 * @param index      batch number within this pass
 * @param from       first prompt (index into the pass input)
 * @param to         one past the last prompt
 * @param sampleBase dataset index of prompt {@code from} (sample of the batch's prompt i = sampleBase + i)
 * @param variant    index into {@link PassSpec#variants()}
 * @param result     captured rows, codes and logits of this batch
 * @param generation the generation (a generating pass), else null
 */
public record PassBatch(int index, int from, int to, int sampleBase, int variant, RunResult result, Generation generation) {
    public int size() {
        return to - from;
    }
}
