package io.llamasae.data;

import java.math.BigDecimal;
import java.util.List;

/**
 * One parsed chain-of-thought equation such as {@code 2*10+5=25}.
 *
 * @param text      the equation as written in the data (trimmed)
 * @param operands  the numbers on the left-hand side, in order of appearance
 * @param operators the binary operators on the left-hand side, in order (parentheses dropped)
 * @param result    the right-hand side value (evaluated when it is itself an expression)
 */
public record Equation(String text, List<BigDecimal> operands, List<Operation> operators, BigDecimal result) {
    public Equation {
        operands = List.copyOf(operands);
        operators = List.copyOf(operators);
    }

    /** Parses {@code text}; see {@link EquationParser}. */
    public static Equation parse(String text) {
        return EquationParser.parse(text);
    }

    /** Operands followed by the result, as canonical whole-number strings ("9000.00" → "9000", ".5" → "0.5"). */
    public List<String> numberTokens() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(operands.size() + 1);
        for (BigDecimal d : operands) {
            out.add(canonical(d));
        }
        out.add(canonical(result));
        return out;
    }

    /** Canonical text of a number: no trailing zeros, no exponent. */
    public static String canonical(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        return d.stripTrailingZeros().toPlainString();
    }
}
