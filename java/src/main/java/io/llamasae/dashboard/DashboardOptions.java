package io.llamasae.dashboard;

/**
 * How much each feature page shows.
 *
 * @param contexts      top contexts per feature (the context pass runs the union of these samples)
 * @param windowBefore  tokens shown before the analysed position
 * @param windowAfter   tokens shown after it
 * @param logitTokens   promoted and suppressed tokens listed per feature
 * @param neighbours    decoder-cosine neighbours per feature
 * @param batch         prompts per engine run in the context pass
 */
public record DashboardOptions(int contexts, int windowBefore, int windowAfter, int logitTokens, int neighbours, int batch) {
    public DashboardOptions {
        if (contexts < 1 || windowBefore < 0 || windowAfter < 0 || logitTokens < 1 || neighbours < 0 || batch < 1) {
            throw new IllegalArgumentException("dashboard options: expected contexts >= 1, windows >= 0, logit tokens >= 1, "
                    + "neighbours >= 0, batch >= 1 but found " + this);
        }
    }

    public static DashboardOptions defaults() {
        return new DashboardOptions(10, 24, 6, 12, 8, 16);
    }

    public DashboardOptions withBatch(int b) {
        return new DashboardOptions(contexts, windowBefore, windowAfter, logitTokens, neighbours, b);
    }
}
