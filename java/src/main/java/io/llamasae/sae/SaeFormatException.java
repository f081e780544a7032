package io.llamasae.sae;

import java.io.IOException;

/** An SAE file or directory that cannot be loaded; the message names the file and the field. */
public final class SaeFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SaeFormatException(String message) {
        super(message);
    }

    public SaeFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
