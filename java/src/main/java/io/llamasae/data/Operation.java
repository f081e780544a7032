package io.llamasae.data;

import java.util.Locale;
import java.util.Optional;

/** The four arithmetic operations, in the order the reference study listed them. */
public enum Operation {
    ADDITION('+'),
    SUBTRACTION('-'),
    MULTIPLICATION('*'),
    DIVISION('/');

    private final char symbol;

    Operation(char symbol) {
        this.symbol = symbol;
    }

    /** ASCII symbol used when an equation is printed back ({@code + - * /}). */
    public char symbol() {
        return symbol;
    }

    /** Lower-case name as the reference JSON spells it ("addition", ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Maps an operator character (ASCII, {@code ×}, {@code ÷}, Unicode minus) to an operation. */
    public static Optional<Operation> fromSymbol(char c) {
        return switch (c) {
            case '+' -> Optional.of(ADDITION);
            case '-', '\u2212' -> Optional.of(SUBTRACTION);
            case '*', '\u00d7' -> Optional.of(MULTIPLICATION);
            case '/', '\u00f7' -> Optional.of(DIVISION);
            default -> Optional.empty();
        };
    }

    /** Inverse of {@link #label()}. */
    public static Operation fromLabel(String label) {
        for (Operation op : values()) {
            if (op.label().equals(label)) {
                return op;
            }
        }
        throw new IllegalArgumentException("expected one of addition, subtraction, multiplication, division but found '" + label + "'");
    }
}
