package io.llamasae.analysis;

/** A top sample resolved against the dataset ({@code problem_id}, {@code cot}, {@code activation} in the reference JSON). */
public record TopSampleView(String problemId, String cot, float activation, int sampleIndex, int position) {
}
