package io.llamasae.engine;

import java.io.IOException;
import java.util.function.IntConsumer;

/**
 * Receives a {@link Pass}'s results batch by batch: activation and code files, validation
 * outcomes, progress bars, checkpoints.
 */
public interface PassConsumer {
    /** One batch under one variant; its results are valid during this call only. */
    default void accept(PassBatch batch) throws IOException {}

    /**
     * After every variant of a batch ran and its statistics were merged into {@code soFar}: the
     * first {@code done} prompts of the input are finished (the hook for checkpoints).
     */
    default void batchDone(int done, PassResult soFar) throws IOException {}

    /** Reports the number of finished prompts after every batch. */
    static PassConsumer progress(IntConsumer done) {
        return new PassConsumer() {
            @Override
            public void batchDone(int n, PassResult soFar) {
                done.accept(n);
            }
        };
    }
}
