package io.llamasae.analysis;

/**
 * Thresholds of the reference ("seed") rules; {@link #defaults()} are the reference values.
 *
 * @param operationMax     an operation share (percent) must exceed this to specialize (70)
 * @param operationOthers  shares not equal to the max must be below this (30)
 * @param valueMax         a value percentage must exceed this (50)
 * @param valueOthers      value percentages not equal to the max must be below this (20)
 * @param stage1Operation  first-stage taxonomy: samples needed for an operation pattern (3)
 * @param stage1Round      first-stage taxonomy: samples needed for {@code round_numbers} (3)
 * @param stage1Number     first-stage taxonomy: samples needed for {@code number_N} (5)
 */
public record SeedThresholds(double operationMax, double operationOthers, double valueMax, double valueOthers,
                             int stage1Operation, int stage1Round, int stage1Number) {
    public static SeedThresholds defaults() {
        return new SeedThresholds(70, 30, 50, 20, 3, 3, 5);
    }

    public SeedThresholds withOperation(double max, double others) {
        return new SeedThresholds(max, others, valueMax, valueOthers, stage1Operation, stage1Round, stage1Number);
    }

    public SeedThresholds withValue(double max, double others) {
        return new SeedThresholds(operationMax, operationOthers, max, others, stage1Operation, stage1Round, stage1Number);
    }
}
