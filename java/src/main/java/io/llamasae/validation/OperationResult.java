package io.llamasae.validation;

import io.llamasae.analysis.AccuracyInteraction;
import io.llamasae.analysis.Feasibility;
import io.llamasae.analysis.Interval;
import io.llamasae.data.Operation;

/**
 * Operation-level test of one ablated feature: does it hurt problems using {@code operation} more
 * than the others? Per sample d = correct(ablated) − correct(clean) ∈ {−1, 0, 1}.
 *
 * @param feature        ablated latent
 * @param operation      the operation it is believed to encode
 * @param withOperation  samples whose chain of thought uses the operation
 * @param without        the others
 * @param deltaWith      mean d over {@code withOperation} (paired bootstrap interval); null when that group is empty
 * @param deltaWithout   mean d over {@code without}; null when empty
 * @param difference     deltaWith − deltaWithout, bootstrap over the two independent groups; null when either is empty
 * @param mcNemarPWith   exact McNemar p within {@code withOperation} (1 when empty)
 * @param interaction    the exact test of the interaction ablation × operation: does the ablation lower accuracy more
 *                       on the problems with the operation than on the others ({@link AccuracyInteraction}); null when
 *                       either group is empty
 * @param feasibility    verdict on the number of samples with the operation
 */
public record OperationResult(int feature, Operation operation, int withOperation, int without, Interval deltaWith,
                              Interval deltaWithout, Interval difference, double mcNemarPWith, AccuracyInteraction interaction,
                              Feasibility feasibility) {}
