package io.llamasae.data;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static io.llamasae.data.Operation.ADDITION;
import static io.llamasae.data.Operation.DIVISION;
import static io.llamasae.data.Operation.MULTIPLICATION;
import static io.llamasae.data.Operation.SUBTRACTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EquationParserTest {
    private static List<BigDecimal> nums(String... s) {
        return java.util.Arrays.stream(s).map(BigDecimal::new).toList();
    }

    @Test
    void parsesSimpleAndChainedEquations() {
        Equation e = Equation.parse("48/2=24");
        assertEquals(nums("48", "2"), e.operands());
        assertEquals(List.of(DIVISION), e.operators());
        assertEquals(0, new BigDecimal("24").compareTo(e.result()));

        Equation c = Equation.parse("2*10+5=25");
        assertEquals(List.of(MULTIPLICATION, ADDITION), c.operators());
        assertEquals(List.of("2", "10", "5", "25"), c.numberTokens());

        Equation d = Equation.parse("1.5*20=30");
        assertEquals(List.of("1.5", "20", "30"), d.numberTokens());
    }

    @Test
    void acceptsUnicodeOperatorsCommasAndDollars() {
        assertEquals(List.of(MULTIPLICATION), Equation.parse("3×4=12").operators());
        assertEquals(List.of(DIVISION), Equation.parse("12÷4=3").operators());
        Equation e = Equation.parse("$1,000 + 5 = $1,005");
        assertEquals(List.of("1000", "5", "1005"), e.numberTokens());
        assertEquals(List.of("0.5", "36", "18"), Equation.parse(".5*36=18.00").numberTokens());
    }

    @Test
    void signsAreNotOperations() {
        Equation e = Equation.parse("5-8=-3");
        assertEquals(List.of(SUBTRACTION), e.operators());
        assertEquals(List.of("5", "8", "-3"), e.numberTokens());
        assertEquals(List.of(SUBTRACTION), Equation.parse("4-(-2)=6").operators());
        assertEquals(List.of(), Equation.parse("+5=5").operators());
        assertEquals(List.of(), Equation.parse("15=15").operators());
    }

    @Test
    void parenthesesAndExpressionResults() {
        Equation e = Equation.parse("20*(3/4)=15");
        assertEquals(List.of(MULTIPLICATION, DIVISION), e.operators());
        Equation half = Equation.parse("1/2=1/2");
        assertEquals(0, new BigDecimal("0.5").compareTo(half.result()));
    }

    @Test
    void rejectsMalformedWithReason() {
        assertTrue(assertThrows(EquationParseException.class, () -> Equation.parse("twelve=12")).getMessage().contains("unexpected character 't'"));
        assertTrue(assertThrows(EquationParseException.class, () -> Equation.parse("12+=12")).getMessage().contains("after the last operator"));
        assertTrue(assertThrows(EquationParseException.class, () -> Equation.parse("12+3")).getMessage().contains("'='"));
        assertTrue(assertThrows(EquationParseException.class, () -> Equation.parse("=5")).getMessage().contains("left"));
        assertThrows(EquationParseException.class, () -> Equation.parse("1=2=3"));
    }

    @Test
    void wholeNumberMatchingNeverSeesSubstrings() {
        Sample s = Sample.of("x", "p", "q", List.of(Equation.parse("120+5=125")), "125");
        assertTrue(s.numbers().contains("120"));
        assertTrue(!s.numbers().contains("12"));
        assertTrue(s.cot().contains("12")); // the reference's substring test would have counted it
    }

    @Test
    void sampleOperationSequence() {
        Sample s = Sample.of("x", "p", "q", List.of(Equation.parse("20*3=60"), Equation.parse("60+5=65"), Equation.parse("65+1=66")), "66");
        assertEquals(List.of(MULTIPLICATION, ADDITION, ADDITION), s.operationSequence());
        assertEquals(java.util.Set.of("multiplication\u2192addition"), s.operationBigrams());
        assertEquals("20*3=60 | 60+5=65 | 65+1=66", s.cot());
    }
}
