package io.llamasae.data;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses chain-of-thought equations: {@code 48/2=24}, {@code 2*10+5=25}, {@code 1.5*20=30},
 * {@code 3×4=12}, {@code 12÷4=3}, {@code 1,000+5=1,005}, {@code 20*(3/4)=15}, {@code 16-3-4=9},
 * {@code 15=15} (no operator), {@code 5-8=-3}, {@code 1/2=1/2} (right side evaluated).
 *
 * <p>Operators are read from the left-hand side only; a {@code -} or {@code +} at the start of an
 * operand (after {@code =}, {@code (} or another operator) is a sign, not an operation. {@code $},
 * {@code %} and spaces are ignored. Anything else is rejected with a message naming the character.
 */
public final class EquationParser {
    private EquationParser() {
    }

    public static Equation parse(String raw) {
        if (raw == null) {
            throw new EquationParseException("expected an equation like '48/2=24' but found null");
        }
        String text = raw.trim();
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new EquationParseException("expected an equation with '=' but found '" + text + "'");
        }
        if (text.indexOf('=', eq + 1) >= 0) {
            throw new EquationParseException("expected exactly one '=' but found several in '" + text + "'");
        }
        Side left = scan(text, text.substring(0, eq));
        Side right = scan(text, text.substring(eq + 1));
        if (left.numbers.isEmpty()) {
            throw new EquationParseException("expected a number on the left of '=' in '" + text + "'");
        }
        if (right.numbers.isEmpty()) {
            throw new EquationParseException("expected a number on the right of '=' in '" + text + "'");
        }
        BigDecimal result = right.operators.isEmpty() ? right.numbers.get(0) : evaluate(text, right);
        return new Equation(text, left.numbers, left.operators, result);
    }

    /** Tokens of one side: numbers (with sign folded in) and binary operators, parentheses kept for evaluation. */
    private static final class Side {
        final List<BigDecimal> numbers = new ArrayList<>();
        final List<Operation> operators = new ArrayList<>();
        final List<Object> tokens = new ArrayList<>(); // BigDecimal | Operation | Character('(' or ')')
    }

    private static Side scan(String whole, String s) {
        Side side = new Side();
        boolean expectOperand = true;
        int negate = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '$' || c == '%' || c == '\u00a0' || c == '\t') {
                i++;
            } else if (Character.isDigit(c) || c == '.') {
                int start = i;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == ',')) {
                    i++;
                }
                String num = s.substring(start, i).replace(",", "");
                if (num.endsWith(".")) {
                    num = num.substring(0, num.length() - 1); // "9." at end of a sentence
                }
                if (!expectOperand) {
                    throw new EquationParseException("expected an operator before '" + num + "' in '" + whole + "'");
                }
                BigDecimal value;
                try {
                    value = new BigDecimal(num.startsWith(".") ? "0" + num : num);
                } catch (NumberFormatException e) {
                    throw new EquationParseException("expected a number but found '" + num + "' in '" + whole + "'");
                }
                if (negate < 0) {
                    value = value.negate();
                }
                side.numbers.add(value);
                side.tokens.add(value);
                negate = 1;
                expectOperand = false;
            } else if (c == '(') {
                if (!expectOperand) {
                    throw new EquationParseException("expected an operator before '(' in '" + whole + "'");
                }
                if (negate < 0) {
                    throw new EquationParseException("a sign before '(' is not supported in '" + whole + "'");
                }
                side.tokens.add('(');
                i++;
            } else if (c == ')') {
                side.tokens.add(')');
                i++;
            } else if (Operation.fromSymbol(c).isPresent()) {
                Operation op = Operation.fromSymbol(c).get();
                if (expectOperand) {
                    // a sign: "-3", "+5", "(-2)"
                    if (op == Operation.SUBTRACTION) {
                        negate = -negate;
                    } else if (op != Operation.ADDITION) {
                        throw new EquationParseException("expected a number but found '" + c + "' in '" + whole + "'");
                    }
                } else {
                    side.operators.add(op);
                    side.tokens.add(op);
                    expectOperand = true;
                }
                i++;
            } else {
                throw new EquationParseException("unexpected character '" + c + "' in equation '" + whole + "'");
            }
        }
        if (expectOperand && !side.numbers.isEmpty()) {
            throw new EquationParseException("expected a number after the last operator in '" + whole + "'");
        }
        return side;
    }

    /** Evaluates a right-hand side that is an expression (rare: "1/2=1/2"). Standard precedence. */
    private static BigDecimal evaluate(String whole, Side side) {
        int[] pos = {0};
        BigDecimal v = expr(whole, side.tokens, pos);
        if (pos[0] != side.tokens.size()) {
            throw new EquationParseException("unbalanced parentheses in '" + whole + "'");
        }
        return v;
    }

    private static BigDecimal expr(String whole, List<Object> t, int[] p) {
        BigDecimal v = term(whole, t, p);
        while (p[0] < t.size() && (t.get(p[0]) == Operation.ADDITION || t.get(p[0]) == Operation.SUBTRACTION)) {
            Operation op = (Operation) t.get(p[0]++);
            BigDecimal r = term(whole, t, p);
            v = op == Operation.ADDITION ? v.add(r) : v.subtract(r);
        }
        return v;
    }

    private static BigDecimal term(String whole, List<Object> t, int[] p) {
        BigDecimal v = factor(whole, t, p);
        while (p[0] < t.size() && (t.get(p[0]) == Operation.MULTIPLICATION || t.get(p[0]) == Operation.DIVISION)) {
            Operation op = (Operation) t.get(p[0]++);
            BigDecimal r = factor(whole, t, p);
            if (op == Operation.DIVISION && r.signum() == 0) {
                throw new EquationParseException("division by zero in '" + whole + "'");
            }
            v = op == Operation.MULTIPLICATION ? v.multiply(r) : v.divide(r, MathContext.DECIMAL64);
        }
        return v;
    }

    private static BigDecimal factor(String whole, List<Object> t, int[] p) {
        if (p[0] >= t.size()) {
            throw new EquationParseException("expression ends early in '" + whole + "'");
        }
        Object tok = t.get(p[0]++);
        if (tok instanceof BigDecimal d) {
            return d;
        }
        if (tok instanceof Character ch && ch == '(') {
            BigDecimal v = expr(whole, t, p);
            if (p[0] >= t.size() || !(t.get(p[0]) instanceof Character c2 && c2 == ')')) {
                throw new EquationParseException("missing ')' in '" + whole + "'");
            }
            p[0]++;
            return v;
        }
        throw new EquationParseException("unexpected '" + tok + "' in '" + whole + "'");
    }
}
