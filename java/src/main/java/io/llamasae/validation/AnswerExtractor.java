package io.llamasae.validation;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Pulls the final numeric answer out of a generated continuation and compares it with a sample's answer.
 *
 * <p>Order: the text is first cut at the earliest {@code cutAt} marker (a model that finished its
 * answer often starts inventing the next "Question:"; numbers there are not its answer). Then, with a
 * user regex: its group 1 at the first match. Without one: the number after the first {@code ####}
 * (GSM8K's answer marker) if present, else the last number in the text. Numbers are normalised by
 * {@link #normalize}: thousands separators, a leading {@code $}, {@code +} and trailing zeros after
 * the decimal point go ({@code "1,200.50"} → {@code "1200.5"}, {@code "18.0"} → {@code "18"}).
 *
 * @param userRegex optional pattern whose group 1 is the answer (null: the GSM8K rules above)
 * @param cutAt     markers at which the text is cut before extraction (empty: none)
 */
public record AnswerExtractor(Pattern userRegex, List<String> cutAt) {
    /** Default cut marker: the start of an invented next problem in the "Question: ...\nAnswer:" template. */
    public static final List<String> DEFAULT_CUT = List.of("\nQuestion:");

    /** A number: a minus sign only when not glued to a preceding word or digit ("16-3" is two numbers), commas only as thousands groups. */
    private static final String NUMBER_TEXT = "(?:(?<![\\w.])[-\u2212])?\\$?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?";
    private static final Pattern NUMBER = Pattern.compile(NUMBER_TEXT);
    private static final Pattern HASHES = Pattern.compile("####\\s*(" + NUMBER_TEXT.replace("(?<![\\w.])", "") + ")");

    public AnswerExtractor {
        cutAt = List.copyOf(cutAt);
        if (userRegex != null && userRegex.matcher("").groupCount() < 1) {
            throw new IllegalArgumentException("answer regex '" + userRegex.pattern() + "': expected a capturing group 1 but found none");
        }
        for (String c : cutAt) {
            if (c.isEmpty()) throw new IllegalArgumentException("answer cut marker: expected non-empty text but found \"\"");
        }
    }

    /** GSM8K rules, cutting at {@link #DEFAULT_CUT}. */
    public static AnswerExtractor gsm8k() {
        return new AnswerExtractor(null, DEFAULT_CUT);
    }

    /** Parses a user regex (group 1 = answer); null or blank gives {@link #gsm8k()}. */
    public static AnswerExtractor withRegex(String regex) {
        if (regex == null || regex.isBlank()) return gsm8k();
        try {
            return new AnswerExtractor(Pattern.compile(regex), DEFAULT_CUT);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("answer regex: expected a valid Java regex but found '" + regex + "' ("
                    + e.getDescription() + ")");
        }
    }

    /** The normalised answer in {@code text}, or empty when it has none. */
    public Optional<String> extract(String text) {
        String t = cut(text == null ? "" : text);
        if (userRegex != null) {
            Matcher m = userRegex.matcher(t);
            if (!m.find() || m.group(1) == null) return Optional.empty();
            return Optional.of(normalize(m.group(1)));
        }
        Matcher h = HASHES.matcher(t);
        if (h.find()) return Optional.of(normalize(h.group(1)));
        Matcher m = NUMBER.matcher(t);
        String last = null;
        while (m.find()) last = m.group();
        return last == null ? Optional.empty() : Optional.of(normalize(last));
    }

    /** Whether the answer extracted from {@code generated} equals the normalised {@code expected} (empty expected: never). */
    public boolean isCorrect(String generated, String expected) {
        if (expected == null || expected.isBlank()) return false;
        Optional<String> got = extract(generated);
        return got.isPresent() && got.get().equals(normalize(expected));
    }

    private String cut(String text) {
        int end = text.length();
        for (String c : cutAt) {
            int i = text.indexOf(c);
            if (i >= 0) end = Math.min(end, i);
        }
        return text.substring(0, end);
    }

    /**
     * Canonical text of a number: strips spaces, {@code $}, {@code +}, thousands commas and trailing
     * fractional zeros; Unicode minus becomes {@code -}; "-0" becomes "0". Text that is not a number
     * after stripping is returned trimmed, unchanged otherwise.
     */
    public static String normalize(String number) {
        String s = number.trim().replace("\u2212", "-").replace("$", "").replace(",", "").replace(" ", "");
        if (s.startsWith("+")) s = s.substring(1);
        if (s.endsWith(".")) s = s.substring(0, s.length() - 1);
        try {
            BigDecimal d = new BigDecimal(s).stripTrailingZeros();
            if (d.signum() == 0) return "0";
            return d.toPlainString();
        } catch (NumberFormatException e) {
            return number.trim();
        }
    }
}
