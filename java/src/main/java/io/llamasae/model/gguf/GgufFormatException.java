package io.llamasae.model.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF file is missing, malformed, truncated or uses something this reader does not support.
 * The message names the file, the field, what was expected and what was found.
 */
public class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "file: field: expected X but found Y". */
    static GgufFormatException of(Path file, String field, String expected, String found) {
        return new GgufFormatException(file + ": " + field + ": expected " + expected + " but found " + found);
    }
}
