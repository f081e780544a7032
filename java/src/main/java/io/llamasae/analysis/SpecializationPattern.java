package io.llamasae.analysis;

/**
 * A pattern a sample can carry.
 *
 * @param kind  operation, sequence or value
 * @param value "multiplication", "multiplication→addition" or a canonical number such as "12"
 */
public record SpecializationPattern(PatternKind kind, String value) implements Comparable<SpecializationPattern> {
    /** Stable key used in JSON and {@code detected_patterns}: "multiplication", "multiplication→addition", "number_12". */
    public String key() {
        return kind == PatternKind.VALUE ? "number_" + value : value;
    }

    /** Human text: "multiplication", "multiplication→addition", "number 12". */
    public String describe() {
        return kind == PatternKind.VALUE ? "number " + value : value;
    }

    @Override
    public int compareTo(SpecializationPattern o) {
        int c = kind.compareTo(o.kind);
        return c != 0 ? c : value.compareTo(o.value);
    }
}
