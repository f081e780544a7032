package io.llamasae.analysis;

/** A point estimate with a confidence interval [lower, upper] at {@code level}. */
public record Interval(double estimate, double lower, double upper, double level) {
}
