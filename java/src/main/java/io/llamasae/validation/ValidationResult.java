package io.llamasae.validation;

import java.util.List;

/**
 * Everything a validation run found.
 *
 * @param config          the settings
 * @param numSamples      samples used
 * @param date            ISO date (UTC) of the run
 * @param sanity          the sanity checks
 * @param cleanAccuracy   fraction of samples answered correctly without edits
 * @param cleanAnswered   fraction of clean generations with an extractable answer
 * @param general         top features by frequency, each ablated (ground truth)
 * @param specialized     other named features (operation, amplification and swap targets)
 * @param amplifications  one result per (feature, factor)
 * @param swaps           one result per pair
 * @param operations      operation-level tests
 * @param provenance      model, SAE and dataset descriptions (free text)
 */
public record ValidationResult(ValidationConfig config, int numSamples, String date, SanityChecks sanity, double cleanAccuracy,
                               double cleanAnswered, List<ValidatedFeature> general, List<ValidatedFeature> specialized,
                               List<ConditionResult> amplifications, List<ConditionResult> swaps, List<OperationResult> operations,
                               Provenance provenance) {
    public ValidationResult {
        general = List.copyOf(general);
        specialized = List.copyOf(specialized);
        amplifications = List.copyOf(amplifications);
        swaps = List.copyOf(swaps);
        operations = List.copyOf(operations);
    }

    /** Where the inputs came from (free text; may be empty). */
    public record Provenance(String model, String sae, String dataset) {
        public static Provenance unknown() {
            return new Provenance("", "", "");
        }
    }
}
