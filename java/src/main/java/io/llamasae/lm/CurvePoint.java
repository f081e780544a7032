package io.llamasae.lm;

/**
 * One checkpoint of a training run: the learning curve is the list of these.
 *
 * @param step           optimizer steps done
 * @param tokens         training tokens processed so far (prompt and target)
 * @param trainLoss      mean training loss (target tokens) over the steps since the previous point
 * @param heldOutLoss    loss on the held-out problems' targets (teacher forcing)
 * @param accuracy       greedy exact-answer accuracy on {@code accuracyN} held-out problems (null when not measured)
 * @param accuracyN      problems in that accuracy
 * @param lr             learning rate of the last step
 * @param gradNorm       mean gradient norm (before clipping) since the previous point
 * @param elapsedSeconds wall time of the run so far (across resumes)
 */
public record CurvePoint(long step, long tokens, double trainLoss, double heldOutLoss, Double accuracy, int accuracyN, double lr,
                         double gradNorm, double elapsedSeconds) {}
