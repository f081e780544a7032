package io.llamasae.engine;

/**
 * One way a {@link Pass} runs every batch: clean, or with interventions. A pass with several
 * variants runs each batch once per variant, in order, with the same capture (so every variant
 * computes the same graph and a no-op edit stays bit-identical to the clean run), and hands each
 * variant's results to the consumers: the clean/edited comparisons of validation.
 *
 * @param name          label for consumers and reports
 * @param interventions the edits, or null for the clean run
 */
public record Variant(String name, InterventionSpec interventions) {
    public static Variant clean() {
        return new Variant("clean", null);
    }

    public static Variant edited(String name, InterventionSpec interventions) {
        if (interventions == null) throw new IllegalArgumentException("variant " + name + ": no interventions (use Variant.clean())");
        return new Variant(name, interventions);
    }

    public boolean isClean() {
        return interventions == null;
    }
}
