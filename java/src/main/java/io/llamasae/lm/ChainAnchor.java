package io.llamasae.lm;

import io.llamasae.data.Equation;
import io.llamasae.data.Sample;
import java.util.Locale;

/**
 * A token of the answer's chain of thought where the study reads the residual stream. The model's
 * input is then the question plus the reference chain up to and including that token
 * ({@link #prefix}), and the analysed position is that input's last token ({@code -1}): the trained
 * model and its random-init twin read exactly the same tokens, so their positions line up, and
 * positions stay the engine's one definition (a prompt position).
 *
 * <p>Why a prefix of the reference chain and not the model's own generation: the twin's own
 * generations are garbage, so "the k-th generated token" would be a different token for each
 * model; on the reference chain the trained model reads what it itself generates (98 % of held-out
 * problems are solved with exactly that chain).
 */
public enum ChainAnchor {
    /** The last prompt token ({@code "Answer:"}'s colon): nothing of the chain yet. */
    QUESTION_END,
    /** The space the chain starts with. */
    CHAIN_START,
    /** The first digit of the first operand. */
    FIRST_OPERAND_START,
    /** The last digit of the first operand: the next token is the first operator, decided here. */
    FIRST_OPERAND_END,
    /** The first operator itself ({@code + - * /}). */
    FIRST_OPERATOR,
    /** The last digit of the first equation's second operand. */
    SECOND_OPERAND_END,
    /** The first equation's {@code =}: the next tokens are its result. */
    FIRST_EQUALS;

    /** Kebab-case name: {@code first-operand-end}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static ChainAnchor parse(String s) {
        for (ChainAnchor a : values()) {
            if (a.label().equals(s.trim().toLowerCase(Locale.ROOT))) return a;
        }
        throw new IllegalArgumentException("chain anchor: expected one of " + java.util.Arrays.stream(values()).map(ChainAnchor::label).toList()
                + " but found '" + s + "'");
    }

    /**
     * The text appended to the prompt: the start of {@link ArithmeticTask#target} up to and
     * including the anchor token (empty for {@link #QUESTION_END}). With one token per digit and
     * per operator, the prefix ends exactly on the anchor token.
     */
    public String prefix(Sample s) {
        if (this == QUESTION_END) return "";
        String chain = ArithmeticTask.target(s);  // " a*b=c | ..."; validates that there is a chain
        Equation first = s.equations().get(0);
        String text = first.text();
        int operator = -1;
        for (int i = 1; i < text.length() && operator < 0; i++) {
            if ("+-*/".indexOf(text.charAt(i)) >= 0) operator = i;
        }
        int equals = text.indexOf('=');
        if (operator < 0 || equals < operator || !chain.startsWith(" " + text)) {
            throw new IllegalArgumentException("sample " + s.id() + ": expected a first equation 'a op b = c' but found '" + text + "'");
        }
        int end = switch (this) {  // characters of the equation kept
            case CHAIN_START -> 0;
            case FIRST_OPERAND_START -> 1;
            case FIRST_OPERAND_END -> operator;
            case FIRST_OPERATOR -> operator + 1;
            case SECOND_OPERAND_END -> equals;
            case FIRST_EQUALS -> equals + 1;
            case QUESTION_END -> throw new AssertionError();
        };
        return " " + text.substring(0, end);
    }

    /** The sample with {@link #prefix} appended to its prompt (labels, equations and answer unchanged). */
    public Sample anchored(Sample s) {
        return new Sample(s.id(), s.prompt() + prefix(s), s.question(), s.equations(), s.answer(), s.cot(), s.unparsedEquations());
    }
}
