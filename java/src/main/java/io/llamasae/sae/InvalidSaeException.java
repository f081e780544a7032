package io.llamasae.sae;

/** SAE weights or parameters that break an invariant (shape, finiteness, k range, width). */
public final class InvalidSaeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSaeException(String message) {
        super(message);
    }
}
