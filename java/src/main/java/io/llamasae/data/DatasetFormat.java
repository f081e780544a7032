package io.llamasae.data;

import java.util.Locale;

/** Supported dataset formats; {@link DatasetReader} detects one from the first non-empty line unless overridden. */
public enum DatasetFormat {
    /** GSM8K jsonl: {@code question}, {@code answer} with {@code <<a*b=c>>} annotations and {@code #### n}. */
    GSM8K,
    /** Chain-of-thought jsonl: {@code question}, {@code cot} as {@code "a | b"} or a JSON list, {@code answer}. */
    COT,
    /** One prompt per line. */
    TEXT;

    public static DatasetFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format: expected gsm8k, cot or text but found '" + s + "'");
        }
    }
}
