package io.llamasae.validation;

import io.llamasae.engine.Edit;
import java.util.List;

/**
 * One intervention condition of an experiment, compared with the clean run on every sample.
 *
 * @param label    human-readable name ("ablate 449", "scale 332 ×5", "swap 332:194")
 * @param kind     what kind of experiment it belongs to
 * @param features the latents it acts on (the first is the "feature" of the row it reports on)
 * @param edits    the edits at the validated block
 * @param factor   scale factor of an amplification (1 otherwise)
 */
public record Condition(String label, Kind kind, List<Integer> features, List<Edit> edits, double factor) {
    public enum Kind { ABLATION, AMPLIFICATION, SWAP, CUSTOM }

    public Condition {
        features = List.copyOf(features);
        edits = List.copyOf(edits);
        if (edits.isEmpty()) throw new IllegalArgumentException("condition " + label + ": expected at least one edit but found none");
    }

    public static Condition ablate(int block, int feature) {
        return new Condition("ablate " + feature, Kind.ABLATION, List.of(feature), List.of(Edit.ablate(block, feature)), 0);
    }

    public static Condition amplify(int block, int feature, double factor) {
        return new Condition("scale " + feature + " \u00d7" + formatFactor(factor), Kind.AMPLIFICATION, List.of(feature),
                List.of(Edit.scale(block, feature, (float) factor)), factor);
    }

    public static Condition swap(int block, FeaturePair p) {
        return new Condition("swap " + p, Kind.SWAP, List.of(p.a(), p.b()), List.of(Edit.swap(block, p.a(), p.b())), 1);
    }

    static String formatFactor(double f) {
        return f == Math.rint(f) && Math.abs(f) < 1e9 ? Long.toString((long) f) : Double.toString(f);
    }
}
