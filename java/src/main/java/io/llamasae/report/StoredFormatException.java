package io.llamasae.report;

/** A stored analysis JSON that does not have the reference structure; the message names the file and the field. */
public final class StoredFormatException extends RuntimeException {
    public StoredFormatException(String message) {
        super(message);
    }
}
