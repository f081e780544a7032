package io.llamasae.data;

/** An equation text that does not have the form {@code expr=value}; the message says what was expected. */
public final class EquationParseException extends IllegalArgumentException {
    public EquationParseException(String message) {
        super(message);
    }
}
