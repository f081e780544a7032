package io.llamasae.dashboard;

import io.llamasae.data.Sample;
import io.llamasae.engine.Model;
import io.llamasae.report.TokenContexts;
import java.util.List;

/** The report's "model read:" lines: a sample's prompt tokenized by the model, a few tokens either side of a position, that token marked. */
public final class PromptTokenContexts implements TokenContexts {
    private final Model model;
    private final List<Sample> samples;
    private final String dashboard;
    private final int before;
    private final int after;

    /** @param dashboard link to the dashboard index relative to the report (null: none) */
    public PromptTokenContexts(Model model, List<Sample> samples, String dashboard, int before, int after) {
        this.model = model;
        this.samples = samples;
        this.dashboard = dashboard;
        this.before = before;
        this.after = after;
    }

    @Override
    public String around(int sampleIndex, int position) {
        if (sampleIndex < 0 || sampleIndex >= samples.size()) return null;
        int[] t = model.tokenize(samples.get(sampleIndex).prompt(), model.info().addBos());
        if (position < 0 || position >= t.length) return null;
        StringBuilder s = new StringBuilder("`");
        int from = Math.max(0, position - before);
        int to = Math.min(t.length, position + after + 1);
        if (from > 0) s.append('…');
        for (int p = from; p < to; p++) {
            String piece = TokenText.of(model, t[p]).replace("`", "'").replace("\n", "⏎");
            s.append(p == position ? "«" + piece + "»" : piece);
        }
        if (to < t.length) s.append('…');
        return s.append('`').toString();
    }

    @Override
    public String dashboard() {
        return dashboard;
    }
}
