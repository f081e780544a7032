package io.llamasae.data;

import java.nio.file.Path;

/** A dataset that cannot be read; the message names file:line and the field. */
public final class DatasetException extends RuntimeException {
    public DatasetException(Path file, int line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
    }

    public DatasetException(Path file, int line, String message, Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message, cause);
    }
}
