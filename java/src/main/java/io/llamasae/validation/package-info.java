/**
 * Causal validation of SAE features (the reference study's stories 4 and 5) on a live engine.
 *
 * <p>{@link io.llamasae.validation.ValidationExperiments} runs, on a dataset: the bit-exact sanity
 * checks ({@link io.llamasae.validation.SanityChecks}), the ablation of the most frequent features
 * (accuracy with a paired bootstrap interval, exact McNemar, first-step KL, reconstruction
 * {@link io.llamasae.validation.ImpactMetrics}), operation-level ablations, amplification sweeps and
 * swaps with feasibility verdicts. Every condition shares the clean generation of each prompt group.
 * {@link io.llamasae.validation.ValidationReportWriter} writes
 * {@code validation_results_layer{L}_pos{P}.json} (the reference keys plus extras),
 * {@code validation.md} and a PNG. {@link io.llamasae.validation.InterventionComparison} is the
 * side-by-side generation behind {@code llama-sae intervene}; {@link io.llamasae.validation.EditSpecs}
 * parses and checks command-line edits before any model is loaded.
 */
package io.llamasae.validation;
