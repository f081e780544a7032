package io.llamasae.analysis;

/** What a sound-mode pattern is about. */
public enum PatternKind {
    /** An operation used in the sample's equations. */
    OPERATION,
    /** Two different operations in adjacent steps, e.g. multiplication→addition. */
    SEQUENCE,
    /** A whole number among the equations' operands and results. */
    VALUE
}
