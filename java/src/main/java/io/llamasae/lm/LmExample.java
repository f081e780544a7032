package io.llamasae.lm;

/**
 * One tokenized training or evaluation problem: the prompt's tokens (BOS first), then the
 * target's tokens and EOS. The loss scores only the target tokens (and EOS).
 *
 * @param id           the sample's id
 * @param tokens       prompt tokens followed by target tokens and EOS: [length]
 * @param promptLength how many leading tokens are the prompt
 */
public record LmExample(String id, int[] tokens, int promptLength) {
    public LmExample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw new IllegalArgumentException(id + ": expected a prompt of 1.." + (tokens.length - 1) + " tokens but found " + promptLength);
        }
    }

    public int length() {
        return tokens.length;
    }

    /** The prompt alone, as fed to generation. */
    public int[] prompt() {
        return java.util.Arrays.copyOf(tokens, promptLength);
    }
}
