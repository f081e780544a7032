package io.llamasae.sae.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that violates the format: the message names the file, the tensor (when one is
 * concerned), the field, and what was expected versus found.
 */
public final class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "file: tensor 'name': field: expected X but found Y" (tensor part omitted when null). */
    static SafetensorsFormatException of(Path file, String tensor, String field, String expected, String found) {
        StringBuilder sb = new StringBuilder();
        sb.append(file).append(": ");
        if (tensor != null) {
            sb.append("tensor '").append(tensor).append("': ");
        }
        sb.append(field).append(": expected ").append(expected).append(" but found ").append(found);
        return new SafetensorsFormatException(sb.toString());
    }
}
