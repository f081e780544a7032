package io.llamasae.analysis;

import io.llamasae.data.Operation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The reference study's rules, quirks included, so old results can be reproduced ("seed" mode).
 *
 * <p>Quirks kept on purpose: operations and values are substring tests on the joined CoT text
 * ("12" matches inside "120", a negative number counts as subtraction); with few samples every
 * operation present scores 100 % and the first one in the order addition, subtraction,
 * multiplication, division is named; shares equal to the max are ignored by the "others" test.
 * The corrected rules are {@link SoundRules}.
 */
public final class SeedRules {
    /** Values the reference counted, in its order. */
    public static final List<String> VALUES = List.of("12", "20", "30", "50", "100");
    /** Substrings of the first-stage {@code round_numbers} pattern. */
    public static final List<String> ROUND_NUMBERS = List.of("100", "200", "500", "1000");

    public static final String GENERAL = "general";
    public static final String OPERATION_SPECIALIZED = "operation-specialized";
    public static final String VALUE_SPECIALIZED = "value-specialized";
    public static final String HIGHLY_SPECIALIZED = "highly-specialized";
    public static final String MIXED_PATTERNS = "mixed patterns";

    private SeedRules() {
    }

    /** Reference text test for one operation on one CoT string. */
    public static boolean mentions(String cot, Operation op) {
        return switch (op) {
            case ADDITION -> cot.contains("+") || cot.contains("sum");
            case SUBTRACTION -> cot.contains("-") || cot.contains("difference");
            case MULTIPLICATION -> cot.contains("*") || cot.contains("multiply") || cot.contains("\u00d7");
            case DIVISION -> cot.contains("/") || cot.contains("divide") || cot.contains("\u00f7");
        };
    }

    /** Second-stage scores over the CoT texts of a feature's top samples (at most 100 in the reference). */
    public static SeedScores score(List<String> cots) {
        int n = cots.size();
        Map<String, Double> ops = new LinkedHashMap<>();
        for (Operation op : Operation.values()) {
            int c = 0;
            for (String cot : cots) {
                if (mentions(cot, op)) {
                    c++;
                }
            }
            ops.put(op.label(), n == 0 ? 0.0 : (double) c / n * 100);
        }
        Map<String, Integer> vals = new LinkedHashMap<>();
        for (String v : VALUES) {
            int c = 0;
            for (String cot : cots) {
                if (cot.contains(v)) {
                    c++;
                }
            }
            vals.put(v, c);
        }
        return new SeedScores(ops, vals, n);
    }

    /** Second-stage classification of stored or computed scores. */
    public static SeedLabel classify(SeedScores s, SeedThresholds t) {
        String op = dominant(s.operations(), t.operationMax(), t.operationOthers());
        Map<String, Double> valuePct = new LinkedHashMap<>();
        for (String v : s.values().keySet()) {
            valuePct.put(v, s.valuePercent(v));
        }
        String value = dominant(valuePct, t.valueMax(), t.valueOthers());
        if (op != null && value != null) {
            return new SeedLabel(HIGHLY_SPECIALIZED, op + " + number " + value);
        }
        if (op != null) {
            return new SeedLabel(OPERATION_SPECIALIZED, op);
        }
        if (value != null) {
            return new SeedLabel(VALUE_SPECIALIZED, "number " + value);
        }
        return new SeedLabel(GENERAL, MIXED_PATTERNS);
    }

    /** First key whose value equals the max, if max > maxThreshold and every value not equal to the max is < othersThreshold. */
    private static String dominant(Map<String, Double> shares, double maxThreshold, double othersThreshold) {
        String best = null;
        double max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : shares.entrySet()) {
            if (e.getValue() > max) {
                max = e.getValue();
                best = e.getKey();
            }
        }
        if (best == null || !(max > maxThreshold)) {
            return null;
        }
        for (double v : shares.values()) {
            if (v != max && !(v < othersThreshold)) {
                return null;
            }
        }
        return best;
    }

    /** First-stage patterns over the top samples' CoT texts, sorted as the reference stored them. */
    public static List<String> detectPatterns(List<String> cots, SeedThresholds t) {
        TreeSet<String> patterns = new TreeSet<>();
        for (Operation op : Operation.values()) {
            if (cots.stream().filter(c -> mentions(c, op)).count() >= t.stage1Operation()) {
                patterns.add(op.label());
            }
        }
        if (cots.stream().filter(c -> ROUND_NUMBERS.stream().anyMatch(c::contains)).count() >= t.stage1Round()) {
            patterns.add("round_numbers");
        }
        for (String v : VALUES) {
            if (cots.stream().filter(c -> c.contains(v)).count() >= t.stage1Number()) {
                patterns.add("number_" + v);
            }
        }
        return new ArrayList<>(patterns);
    }

    /**
     * First-stage type, confidence and description from detected patterns. {@code mixed} (medium) when
     * some operation and some value pattern (a {@code number_N} or {@code round_numbers}) are present;
     * {@code operation-level} (high with two or more operations, else medium); {@code value-level}
     * (high with two or more value patterns, else medium); else {@code unknown}. The stored reference
     * file only shows {@code mixed}; the {@code unknown} confidence ("low") and description
     * ("No clear pattern") are this implementation's choice.
     */
    public static SeedInterpretation interpret(Collection<String> detected) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(detected));
        List<String> ops = new ArrayList<>();
        for (Operation op : Operation.values()) {
            if (sorted.contains(op.label())) {
                ops.add(op.label());
            }
        }
        List<String> numbers = new ArrayList<>();
        for (String v : VALUES) {
            if (sorted.contains("number_" + v)) {
                numbers.add(v);
            }
        }
        boolean round = sorted.contains("round_numbers");
        int valuePatterns = numbers.size() + (round ? 1 : 0);
        List<String> parts = new ArrayList<>();
        if (!ops.isEmpty()) {
            parts.add("Operations: " + String.join(", ", ops));
        }
        if (!numbers.isEmpty()) {
            parts.add("Numbers: " + String.join(", ", numbers));
        }
        if (round) {
            parts.add("Round numbers (100, 200, 500, 1000)");
        }
        String type;
        String confidence;
        if (!ops.isEmpty() && valuePatterns > 0) {
            type = "mixed";
            confidence = "medium";
        } else if (!ops.isEmpty()) {
            type = "operation-level";
            confidence = ops.size() >= 2 ? "high" : "medium";
        } else if (valuePatterns > 0) {
            type = "value-level";
            confidence = valuePatterns >= 2 ? "high" : "medium";
        } else {
            type = "unknown";
            confidence = "low";
        }
        String description = parts.isEmpty() ? "No clear pattern" : String.join("; ", parts);
        return new SeedInterpretation(type, confidence, sorted, description);
    }

    /** Numbers named in a first-stage description ("Numbers: 30, 50, 12"), as a set: the reference's order is unspecified. */
    public static java.util.Set<String> describedNumbers(String description) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String part : description.split("; ")) {
            if (part.startsWith("Numbers: ")) {
                for (String n : part.substring("Numbers: ".length()).split(",")) {
                    out.add(n.trim());
                }
            }
        }
        return out;
    }
}
