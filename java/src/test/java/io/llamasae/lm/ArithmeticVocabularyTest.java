package io.llamasae.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.engine.Model;
import io.llamasae.model.TestVocabulary;
import io.llamasae.model.gguf.GgmlType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vocabulary does what the task needs, checked through llama.cpp's own tokenizer (the
 * engine's): every digit is one token, every word of the problems is one token, nothing falls back
 * to bytes or unknown, and a prompt's tokens are a prefix of prompt + answer.
 */
class ArithmeticVocabularyTest {
    @Test
    void llamaCppTokenizesOneTokenPerDigitAndPerWord(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("twin.gguf");
        LmTrainer.regenerateTwin(new LmArchitecture(1, 32, 2, 32, 64, 10000f, 1e-5f), 1, GgmlType.F32, gguf);
        List<Sample> problems = new ArrayList<>(new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(9)).generate(300));
        // the demo's wider preset too (operands up to 50, larger results)
        problems.addAll(new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(9).build()).generate(100));
        int firstNormal = TestVocabulary.FIRST_BYTE_ID + 256;
        try (Model model = Model.load(gguf)) {
            assertEquals(ArithmeticVocabulary.size(), model.info().nVocab());
            for (Sample s : problems) {
                LmExample e = ArithmeticTask.encode(model, s);  // throws if the prompt is not a token prefix
                String text = s.prompt() + ArithmeticTask.target(s);
                int digitsInText = (int) text.chars().filter(Character::isDigit).count();
                int digitTokens = 0;
                StringBuilder rebuilt = new StringBuilder();
                for (int i = 1; i < e.length() - 1; i++) {  // BOS and EOS excluded
                    int t = e.tokens()[i];
                    String piece = new String(model.tokenPiece(t), StandardCharsets.UTF_8);
                    boolean newline = piece.equals("\n");  // "\n" is the one byte token the template needs
                    assertTrue(t >= firstNormal || newline, "token " + t + " ('" + piece + "') of '" + text + "' is a special or byte token");
                    if (piece.chars().anyMatch(Character::isDigit)) {
                        assertEquals(1, piece.length(), "a digit token must be one digit: '" + piece + "' in '" + text + "'");
                        digitTokens++;
                    }
                    rebuilt.append(piece);
                }
                assertEquals(digitsInText, digitTokens, text);
                assertEquals(" " + text, rebuilt.toString(), "tokens spell the text (SPM adds one leading space)");
                assertEquals(model.info().eosToken(), e.tokens()[e.length() - 1]);
            }
            for (String w : ArithmeticVocabulary.WORDS) {
                int[] t = model.tokenize(w, false);  // SPM adds the leading "▁" itself
                assertEquals(1, t.length, "word '" + w + "' should be one token but is " + t.length);
            }
            assertArrayEquals(new int[] {TestVocabulary.BOS_ID}, java.util.Arrays.copyOf(model.tokenize("1", true), 1));
        }
    }
}
