package io.llamasae.validation;

import io.llamasae.analysis.Feasibility;
import io.llamasae.analysis.Interval;

/**
 * One condition compared with the clean run over the same samples (paired).
 *
 * @param condition          what was done
 * @param samples            samples generated under both
 * @param activeSamples      samples where one of the condition's features is active at the analysed position
 * @param feasibility        verdict on {@code activeSamples} (the samples the edit can act on there)
 * @param cleanAccuracy      fraction correct without the edit
 * @param editedAccuracy     fraction correct with it
 * @param accuracyDelta      editedAccuracy − cleanAccuracy with a paired percentile-bootstrap interval
 * @param correctToWrong     McNemar b: correct clean, wrong edited
 * @param wrongToCorrect     McNemar c: wrong clean, correct edited
 * @param mcNemarP           exact McNemar p-value
 * @param meanKl             mean KL(clean ‖ edited) of the first generated step's distribution (nats)
 * @param maxKl              its maximum over samples
 * @param changedGenerations fraction of samples whose generated tokens differ
 * @param impact             reconstruction change at the analysed position ({@link ImpactMetrics})
 * @param classification     {@link ImpactThresholds} label of {@code impact.meanImpact()}
 */
public record ConditionResult(Condition condition, long samples, long activeSamples, Feasibility feasibility, double cleanAccuracy,
                              double editedAccuracy, Interval accuracyDelta, int correctToWrong, int wrongToCorrect, double mcNemarP,
                              double meanKl, double maxKl, double changedGenerations, ImpactMetrics.Summary impact,
                              String classification) {}
