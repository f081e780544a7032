package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {
    private final AnswerExtractor gsm = AnswerExtractor.gsm8k();

    @Test
    void hashMarkerWinsOverLaterNumbers() {
        assertEquals(Optional.of("18"), gsm.extract("She makes 9 * 2 = $18 every day.\n#### 18\nThen 42 more"));
        assertEquals(Optional.of("1200"), gsm.extract("#### $1,200"));
        assertEquals(Optional.of("-5"), gsm.extract("so #### -5 degrees, not 7"));
    }

    @Test
    void lastNumberWithoutMarker() {
        assertEquals(Optional.of("9"), gsm.extract("16-3-4=9"));
        assertEquals(Optional.of("70000"), gsm.extract("The profit is 200,000-130,000 = 70,000 dollars."));
        assertEquals(Optional.of("3.5"), gsm.extract("It takes 3.50 hours."));
        assertEquals(Optional.of("12"), gsm.extract("Total: 12."));
        assertEquals(Optional.of("-4"), gsm.extract("The temperature is -4"));
        assertEquals(Optional.empty(), gsm.extract("no digits here"));
        assertEquals(Optional.empty(), gsm.extract(""));
    }

    @Test
    void textIsCutAtAnInventedNextQuestion() {
        assertEquals(Optional.of("7"), gsm.extract(" 3+4=7\nQuestion: what is 5+6?\nAnswer: 11"));
        AnswerExtractor noCut = new AnswerExtractor(null, List.of());
        assertEquals(Optional.of("11"), noCut.extract(" 3+4=7\nQuestion: what is 5+6?\nAnswer: 11"));
    }

    @Test
    void userRegexGroupOne() {
        AnswerExtractor ex = AnswerExtractor.withRegex("answer is (\\S+)");
        assertEquals(Optional.of("1234.5"), ex.extract("I think the answer is 1,234.50 and 9"));
        assertEquals(Optional.empty(), ex.extract("no answer here 5"));
        assertThrows(IllegalArgumentException.class, () -> AnswerExtractor.withRegex("answer is \\d+"), "needs group 1");
        assertThrows(IllegalArgumentException.class, () -> AnswerExtractor.withRegex("(unclosed"));
    }

    @Test
    void normalisation() {
        assertEquals("18", AnswerExtractor.normalize("18.0"));
        assertEquals("18", AnswerExtractor.normalize("18.00"));
        assertEquals("18.5", AnswerExtractor.normalize("18.50"));
        assertEquals("1000000", AnswerExtractor.normalize("1,000,000"));
        assertEquals("5", AnswerExtractor.normalize("$5"));
        assertEquals("-3", AnswerExtractor.normalize("\u22123"));
        assertEquals("0", AnswerExtractor.normalize("-0.0"));
        assertEquals("100", AnswerExtractor.normalize("1E+2"));
        assertEquals("abc", AnswerExtractor.normalize(" abc "));
    }

    @Test
    void correctness() {
        assertTrue(gsm.isCorrect("... so the total is 1,200.0", "1200"));
        assertTrue(gsm.isCorrect("#### 18\n", "18"));
        assertFalse(gsm.isCorrect("#### 17", "18"));
        assertFalse(gsm.isCorrect("#### 18", ""), "no expected answer is never correct");
        assertFalse(gsm.isCorrect("nothing", "18"));
    }
}
