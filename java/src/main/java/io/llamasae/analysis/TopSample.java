package io.llamasae.analysis;

/**
 * One of a feature's strongest activations.
 *
 * @param sampleIndex index of the sample in the dataset (0-based)
 * @param position    token position the code came from
 * @param activation  signed code value
 */
public record TopSample(int sampleIndex, int position, float activation) {
}
