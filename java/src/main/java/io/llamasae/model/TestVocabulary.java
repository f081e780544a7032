package io.llamasae.model;

import io.llamasae.model.gguf.GgufValue;
import io.llamasae.model.gguf.GgufWriter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A small SentencePiece-style ("llama"/SPM) vocabulary for generated test models.
 *
 * <p>Layout: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, 3..258 byte-fallback tokens {@code <0x00>}..{@code <0xFF>},
 * then normal pieces: "▁", printable ASCII, "▁"-prefixed words and numbers of GSM8K-style arithmetic text,
 * digit pairs and "&lt;&lt;", "&gt;&gt;" (GSM8K calculator annotations).
 *
 * <p>llama.cpp's SPM tokenizer only reaches a piece by merging two adjacent pieces that are both in the
 * vocabulary, so every word piece is added together with all its prefixes ("▁m", "▁ma", "▁man", "▁many").
 * Scores fall with the insertion rank (frequent first), like SentencePiece log-probabilities.
 * The vocabulary is a constant: it never depends on a model's seed.
 */
public final class TestVocabulary {
    /** llama.cpp token types (llama_token_type). */
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_BYTE = 6;

    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    /** Id of byte-fallback token {@code <0x00>}. */
    public static final int FIRST_BYTE_ID = 3;

    /** SentencePiece's word-boundary marker (U+2581). */
    public static final String SPACE = "\u2581";

    /** Frequent words of GSM8K questions and answers, most frequent first. */
    private static final String WORDS = String.join(" ",
            "the of and to a in is he she they it for has had was her his each how many much",
            "what total if then per more than are with at on by from be as that this there",
            "will does did do can so we have after every week day days year years hour hours",
            "minutes money dollars cents price cost costs sold buy bought sells pay paid spent",
            "left remaining number half twice times three four five six seven eight nine ten",
            "two one zero hundred thousand twenty thirty forty fifty dozen percent of an all",
            "apples books cookies eggs students people friends children boxes bags cups miles",
            "pages cards balls candies pencils tickets cars toys shirts pizza slices water",
            "store school class garden farm house room team game month months morning night",
            "Janet John James Mary Tom Sarah Mark Lisa Betty Weng Natalia Julie Alexis Tina",
            "How What If The She He Each There A In After Then They It His Her On At Every",
            "answer equals plus minus divided multiplied sum difference product quotient",
            "first second third last next new old big small long short same other another",
            "make makes made get gets got give gives gave take takes took need needs want wants",
            "earn earns earned work works worked walk runs ran read reads wrote eat eats ate",
            "into out up down over under about between before during while only also just",
            "its their them him who which when where why not no yes or but because",
            "rate speed distance time weight pounds feet inches meters liters gallons");

    private static final List<String> PIECES;

    static {
        Set<String> pieces = spmBasePieces();
        // calculator annotations "<<48/2=24>>"
        pieces.add("<<");
        pieces.add(">>");
        for (String w : WORDS.trim().split("\\s+")) {
            addWithPrefixes(pieces, SPACE + w);
        }
        for (int n = 0; n <= 100; n++) {
            addWithPrefixes(pieces, SPACE + n);
        }
        addWithPrefixes(pieces, SPACE + "$");
        // digit pairs continue longer numbers ("▁12" "34")
        for (int n = 0; n <= 99; n++) {
            pieces.add(String.format("%02d", n));
        }
        PIECES = Collections.unmodifiableList(new ArrayList<>(pieces));
    }

    private TestVocabulary() {
    }

    /**
     * The first pieces of an SPM vocabulary laid out like this one, in id order: {@code <unk>},
     * {@code <s>}, {@code </s>}, the 256 byte-fallback tokens, the word boundary "▁" and the single
     * printable ASCII characters.
     */
    public static LinkedHashSet<String> spmBasePieces() {
        LinkedHashSet<String> pieces = new LinkedHashSet<>();
        pieces.add("<unk>");
        pieces.add("<s>");
        pieces.add("</s>");
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
        }
        // word boundary and single printable ASCII characters (space is written as ▁)
        pieces.add(SPACE);
        for (char c = 0x21; c < 0x7F; c++) {
            pieces.add(String.valueOf(c));
        }
        return pieces;
    }

    /**
     * Adds {@code piece} with all its prefixes, shortest first: llama.cpp's SPM tokenizer only reaches
     * a piece by merging two adjacent pieces of the vocabulary. A "▁" prefix counts as one
     * character ("▁m", "▁ma", "▁man").
     */
    public static void addWithPrefixes(Set<String> pieces, String piece) {
        int first = piece.startsWith(SPACE) ? SPACE.length() + 1 : 2;
        for (int end = first; end <= piece.length(); end++) {
            pieces.add(piece.substring(0, end));
        }
    }

    /** All pieces, index = token id. */
    public static List<String> pieces() {
        return PIECES;
    }

    public static int size() {
        return PIECES.size();
    }

    /** Score of each token: 0 for special and byte tokens, falling with rank for normal pieces. */
    public static float[] scores() {
        return spmScores(PIECES.size());
    }

    /** llama.cpp token type of each token. */
    public static int[] tokenTypes() {
        return spmTokenTypes(PIECES.size());
    }

    /**
     * Scores of a vocabulary laid out like this one (specials, 256 byte tokens, then normal pieces
     * most frequent first): 0 for special and byte tokens, falling with rank for normal pieces.
     */
    public static float[] spmScores(int size) {
        float[] s = new float[size];
        int firstNormal = FIRST_BYTE_ID + 256;
        for (int i = firstNormal; i < s.length; i++) {
            s[i] = -0.01f * (i - firstNormal);
        }
        return s;
    }

    /** Token types of a vocabulary laid out like this one: unknown, control (BOS, EOS), byte, then normal. */
    public static int[] spmTokenTypes(int size) {
        int[] t = new int[size];
        for (int i = 0; i < t.length; i++) {
            if (i == UNK_ID) {
                t[i] = TYPE_UNKNOWN;
            } else if (i == BOS_ID || i == EOS_ID) {
                t[i] = TYPE_CONTROL;
            } else if (i < FIRST_BYTE_ID + 256) {
                t[i] = TYPE_BYTE;
            } else {
                t[i] = TYPE_NORMAL;
            }
        }
        return t;
    }

    /**
     * Writes the tokenizer keys llama.cpp reads for an SPM vocabulary laid out like this one
     * (BOS added to prompts, EOS not).
     */
    public static void putSpmTokenizer(GgufWriter w, List<String> pieces) {
        w.putString("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", GgufValue.stringArray(pieces));
        w.put("tokenizer.ggml.scores", GgufValue.float32Array(spmScores(pieces.size())));
        w.put("tokenizer.ggml.token_type", GgufValue.int32Array(spmTokenTypes(pieces.size())));
        w.putUInt32("tokenizer.ggml.bos_token_id", BOS_ID);
        w.putUInt32("tokenizer.ggml.eos_token_id", EOS_ID);
        w.putUInt32("tokenizer.ggml.unknown_token_id", UNK_ID);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }
}
