package io.llamasae.report;

/**
 * What the Markdown report can show beyond the chain of thought: the activating token inside the text
 * the model actually read, and where the feature dashboard is.
 */
public interface TokenContexts {
    /** Nothing to show (the report then lists chains of thought only). */
    TokenContexts NONE = (sampleIndex, position) -> null;

    /** The prompt tokens around {@code position} of sample {@code sampleIndex} with that token marked «like this», or null. */
    String around(int sampleIndex, int position);

    /** Link to the feature dashboard's index, relative to the report, or null when none was written. */
    default String dashboard() {
        return null;
    }
}
