package io.llamasae.lm;

import io.llamasae.model.TestVocabulary;
import io.llamasae.model.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The SentencePiece ("llama"/SPM) vocabulary of the arithmetic model: one token per digit, so a
 * model can learn digit-wise arithmetic, and one token per word of the synthetic problems.
 *
 * <p>Layout: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, 3..258 byte-fallback tokens (any text
 * tokenizes), then "▁", the printable ASCII characters (digits, operators, {@code =}, {@code |},
 * {@code #}, punctuation, letters), then the words of {@link #WORDS} as "▁word" pieces, plus
 * "▁####" and "▁|". llama.cpp's SPM tokenizer only reaches a piece by merging two adjacent pieces
 * that are in the vocabulary, so every word comes with all its prefixes ("▁a", "▁ap", ...).
 * No piece joins a digit to anything, so numbers are always split into single digits ("▁" "1"
 * "2" for " 12"); {@code LmVocabularyTest} checks that through llama.cpp's own tokenizer.
 * The vocabulary is a constant: it never depends on a model's seed or size.
 */
public final class ArithmeticVocabulary {
    /** Words of the synthetic problems ({@link io.llamasae.data.SyntheticArithmeticGenerator}) and the prompt template. */
    public static final List<String> WORDS = List.of(
            "Question", "Answer",
            "Ava", "Ben", "Carla", "Dev", "Elif", "Finn", "Gita", "Hugo", "Ines", "Jon",
            "apples", "marbles", "stickers", "books", "coins", "shells", "pencils", "cards",
            "has", "They", "Then", "they", "get", "more", "give", "away", "end", "up", "with", "times", "as", "many",
            "share", "them", "equally", "among", "friends", "and", "keep", "one", "How", "does", "have", "now");

    /** Words that also start a line (after "\n", where SPM adds no "▁"): the template's "Answer:". */
    private static final List<String> LINE_START_WORDS = List.of("Question", "Answer");

    private static final List<String> PIECES;

    static {
        Set<String> pieces = TestVocabulary.spmBasePieces();
        TestVocabulary.addWithPrefixes(pieces, TestVocabulary.SPACE + "####");
        TestVocabulary.addWithPrefixes(pieces, TestVocabulary.SPACE + "|");
        for (String w : WORDS) {
            TestVocabulary.addWithPrefixes(pieces, TestVocabulary.SPACE + w);
        }
        for (String w : LINE_START_WORDS) {
            TestVocabulary.addWithPrefixes(pieces, w);
        }
        PIECES = Collections.unmodifiableList(new ArrayList<>(pieces));
    }

    private ArithmeticVocabulary() {
    }

    /** All pieces, index = token id. */
    public static List<String> pieces() {
        return PIECES;
    }

    public static int size() {
        return PIECES.size();
    }

    /** Writes the tokenizer keys llama.cpp reads (SPM, BOS added, EOS not). */
    public static void putTokenizer(GgufWriter w) {
        TestVocabulary.putSpmTokenizer(w, PIECES);
    }
}
