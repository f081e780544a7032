package io.llamasae.validation;

/** Two latents to swap; parsed from {@code "A:B"}. */
public record FeaturePair(int a, int b) {
    public FeaturePair {
        if (a < 0 || b < 0) throw new IllegalArgumentException("swap pair: expected latents >= 0 but found " + a + ":" + b);
    }

    /** Parses {@code "A:B"} (two non-negative integers). */
    public static FeaturePair parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 2) throw new IllegalArgumentException("swap: expected A:B (two latent ids) but found '" + text + "'");
        return new FeaturePair(EditSpecs.parseLatent(parts[0], "swap", text), EditSpecs.parseLatent(parts[1], "swap", text));
    }

    @Override
    public String toString() {
        return a + ":" + b;
    }
}
