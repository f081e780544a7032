package io.llamasae.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on stderr for long runs (stdout stays clean for results). A bar appears with the
 * first progress step: a command refused while it validates its input (before any step) then
 * prints its one-line message alone, instead of after a bar that progressbar would not terminate
 * (it skips the final newline when closed before its first scheduled render).
 */
final class Progress implements AutoCloseable {
    private final String task;
    private long max;
    private ProgressBar bar;

    private Progress(String task, long max) {
        this.task = task;
        this.max = max;
    }

    static Progress bar(String task, long max) {
        return new Progress(task, max);
    }

    /** Sets the progress to {@code n} of max (creating the bar on the first call). */
    void stepTo(long n) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        bar.stepTo(n);
    }

    /** A note shown after the bar (e.g. the current loss). */
    void setExtraMessage(String message) {
        if (bar != null) bar.setExtraMessage(message);
    }

    /** Changes the total (for runs that learn it as they go). */
    void maxHint(long n) {
        max = n;
        if (bar != null) bar.maxHint(n);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
