package io.llamasae.analysis;

import io.llamasae.data.Equation;
import io.llamasae.data.Sample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoundRulesTest {
    private static Sample s(int i, String... eqs) {
        List<Equation> e = new ArrayList<>();
        for (String x : eqs) {
            e.add(Equation.parse(x));
        }
        return Sample.of("s" + i, "p", "q", e, "");
    }

    @Test
    void enrichmentNumbersMatchTheHypergeometric() {
        // 10 samples, 4 with multiplication; a feature whose 3 top samples include 2 of them
        List<Sample> data = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            data.add(i < 4 ? s(i, "2*3=6") : s(i, "2+3=5"));
        }
        SoundRules rules = new SoundRules(data, SoundThresholds.defaults().withValues(List.of("12")));
        List<PatternTest> tests = rules.test(List.of(0, 1, 5, 5));
        PatternTest mul = tests.stream().filter(t -> t.pattern().key().equals("multiplication")).findFirst().orElseThrow();
        assertEquals(2, mul.k());
        assertEquals(3, mul.n(), "duplicates collapse");
        assertEquals(4, mul.K());
        assertEquals(10, mul.N());
        assertEquals(40.0 / 120, mul.pValue(), 1e-12);
        assertEquals((2.0 / 3) / 0.4, mul.lift(), 1e-12);
        // "12" never occurs as a whole number here, so it is not tested
        assertTrue(tests.stream().noneMatch(t -> t.pattern().kind() == PatternKind.VALUE));
    }

    @Test
    void labelsFollowTheEnrichedKinds() {
        List<Sample> data = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            data.add(switch (i % 4) {
                case 0 -> s(i, "3*4=12", "12+1=13");
                case 1 -> s(i, "120-5=115");
                case 2 -> s(i, "8/2=4");
                default -> s(i, "7+5=12");
            });
        }
        SoundRules rules = new SoundRules(data, SoundThresholds.defaults());
        List<Integer> seqTop = new ArrayList<>();
        List<Integer> subTop = new ArrayList<>();
        for (int i = 0; i < 400 && seqTop.size() < 50; i += 4) {
            seqTop.add(i);
            subTop.add(i + 1);
        }
        List<List<PatternTest>> adj = rules.adjust(List.of(rules.test(seqTop), rules.test(subTop)));
        SoundLabel seq = rules.label(100, adj.get(0));
        assertEquals(SoundRules.HIGHLY_SPECIALIZED, seq.type(), seq.toString()); // multiplication→addition and the number 12 (50 % base)
        SoundLabel sub = rules.label(100, adj.get(1));
        assertEquals(SoundRules.HIGHLY_SPECIALIZED, sub.type());
        assertTrue(sub.description().startsWith("subtraction + number "), sub.description());
        assertFalse(sub.description().contains("number 12"), "12 must not match inside 120");
        assertEquals(SoundRules.INSUFFICIENT_EVIDENCE, rules.label(9, adj.get(0)).type());
        assertEquals("number 12", new SpecializationPattern(PatternKind.VALUE, "12").describe());
    }
}
