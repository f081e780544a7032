package io.llamasae.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One dataset item.
 *
 * @param id                 stable identifier ("test_17", or the file's own {@code id}/{@code problem_id})
 * @param prompt             the text fed to the model (built from {@link PromptTemplate})
 * @param question           the question as stored (for plain text: the line)
 * @param equations          chain-of-thought equations that parsed, in order
 * @param answer             final answer as written after {@code ####} (or the {@code answer} field); "" if none
 * @param cot                chain of thought joined the way the reference did: {@code "20*3=60 | 60+5=65"}
 * @param unparsedEquations  equation texts that did not parse (kept, reported; they count for the
 *                           seed mode's text tests through {@code cot} but not for sound mode)
 */
public record Sample(String id, String prompt, String question, List<Equation> equations, String answer, String cot,
                     List<String> unparsedEquations) {
    public Sample {
        equations = List.copyOf(equations);
        unparsedEquations = List.copyOf(unparsedEquations);
        answer = answer == null ? "" : answer;
        cot = cot == null ? "" : cot;
    }

    /** Convenience for samples whose every equation parsed. */
    public static Sample of(String id, String prompt, String question, List<Equation> equations, String answer) {
        List<String> texts = new ArrayList<>();
        for (Equation e : equations) {
            texts.add(e.text());
        }
        return new Sample(id, prompt, question, equations, answer, String.join(" | ", texts), List.of());
    }

    /** Operations used anywhere in the parsed equations, in enum order. */
    public Set<Operation> operations() {
        EnumSet<Operation> ops = EnumSet.noneOf(Operation.class);
        for (Equation e : equations) {
            ops.addAll(e.operators());
        }
        return Collections.unmodifiableSet(ops);
    }

    /** All operators in reading order across equations, e.g. [MULTIPLICATION, ADDITION] for "20*3=60 | 60+5=65". */
    public List<Operation> operationSequence() {
        List<Operation> seq = new ArrayList<>();
        for (Equation e : equations) {
            seq.addAll(e.operators());
        }
        return Collections.unmodifiableList(seq);
    }

    /**
     * Adjacent steps with different operations ("multiplication→addition"), in order of first occurrence.
     * Repeats of the same operation are not sequences: they are already the operation pattern.
     */
    public Set<String> operationBigrams() {
        List<Operation> seq = operationSequence();
        Set<String> out = new LinkedHashSet<>();
        for (int i = 1; i < seq.size(); i++) {
            if (seq.get(i - 1) != seq.get(i)) {
                out.add(seq.get(i - 1).label() + "\u2192" + seq.get(i).label());
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** Whole numbers (operands and results, canonical text) in the parsed equations: "12" never matches "120". */
    public Set<String> numbers() {
        Set<String> out = new LinkedHashSet<>();
        for (Equation e : equations) {
            out.addAll(e.numberTokens());
        }
        return Collections.unmodifiableSet(out);
    }
}
