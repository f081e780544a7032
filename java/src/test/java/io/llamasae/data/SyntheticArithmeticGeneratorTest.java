package io.llamasae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticArithmeticGeneratorTest {
    @TempDir
    Path dir;

    @Test
    void sameSeedSameProblemsAndCorrectArithmetic() {
        var cfg = SyntheticArithmeticGenerator.Config.builder().seed(7).build();
        List<Sample> a = new SyntheticArithmeticGenerator(cfg).generate(300);
        List<Sample> b = new SyntheticArithmeticGenerator(cfg).generate(300);
        assertEquals(a, b);
        assertNotEquals(a, new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(8).build()).generate(300));
        for (Sample s : a) {
            assertTrue(s.equations().size() >= 1 && s.equations().size() <= 3);
            BigDecimal prev = null;
            for (Equation e : s.equations()) {
                BigDecimal x = e.operands().get(0);
                BigDecimal y = e.operands().get(1);
                BigDecimal r = switch (e.operators().get(0)) {
                    case ADDITION -> x.add(y);
                    case SUBTRACTION -> x.subtract(y);
                    case MULTIPLICATION -> x.multiply(y);
                    case DIVISION -> x.divide(y);
                };
                assertEquals(0, r.compareTo(e.result()), e.text());
                assertTrue(e.result().signum() >= 0, e.text());
                if (prev != null) {
                    assertEquals(0, prev.compareTo(x), "chain continues from the previous result: " + s.cot());
                }
                prev = e.result();
            }
            assertEquals(Equation.canonical(prev), s.answer());
        }
    }

    @Test
    void operationMixAndOversampling() {
        var onlyMul = SyntheticArithmeticGenerator.Config.builder().seed(1).weight(Operation.ADDITION, 0).weight(Operation.SUBTRACTION, 0)
                .weight(Operation.DIVISION, 0).build();
        for (Sample s : new SyntheticArithmeticGenerator(onlyMul).generate(50)) {
            assertEquals(java.util.Set.of(Operation.MULTIPLICATION), s.operations());
        }
        List<Operation> rare = List.of(Operation.DIVISION, Operation.SUBTRACTION);
        var over = SyntheticArithmeticGenerator.Config.builder().seed(2).oversample(rare, 0.3).build();
        long hits = new SyntheticArithmeticGenerator(over).generate(2000).stream().filter(s -> s.operationSequence().equals(rare)).count();
        // 30 % forced plus the natural rate (1/3 of problems have two steps, 1/16 of those are this pair)
        assertTrue(hits > 560 && hits < 720, "oversampled count " + hits);
        assertThrows(IllegalArgumentException.class, () -> SyntheticArithmeticGenerator.Config.builder().operands(5, 2).build());
    }

    @Test
    void writtenJsonlReadsBackIdentically() {
        List<Sample> s = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(3).build()).generate(40);
        Path p = dir.resolve("synth.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(s, p);
        Dataset d = DatasetReader.read(p);
        assertEquals(DatasetFormat.GSM8K, d.format());
        assertEquals(s.size(), d.samples().size());
        for (int i = 0; i < s.size(); i++) {
            assertEquals(s.get(i).cot(), d.samples().get(i).cot());
            assertEquals(s.get(i).answer(), d.samples().get(i).answer());
            assertEquals(s.get(i).question(), d.samples().get(i).question());
        }
    }

    @Test
    void defaultsAreUnchangedByTheResultCap() {
        // fingerprint of generate(300) at seed 7, computed with the generator before maxResult existed
        List<Sample> s = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(7).build()).generate(300);
        assertEquals(-1911946903, s.stream().map(x -> x.question() + "|" + x.cot() + "|" + x.answer()).reduce("", String::concat).hashCode());
    }

    @Test
    void maxResultCapsEveryResultAndExclusionSkipsKnownQuestions() {
        var cfg = SyntheticArithmeticGenerator.Config.builder().seed(3).operands(2, 20).maxResult(99).build();
        List<Sample> s = new SyntheticArithmeticGenerator(cfg).generate(500);
        for (Sample x : s) {
            for (Equation e : x.equations()) assertTrue(e.result().compareTo(BigDecimal.valueOf(99)) <= 0, e.text());
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Sample x : s.subList(0, 250)) seen.add(x.question());
        List<Sample> fresh = new SyntheticArithmeticGenerator(cfg).generateExcluding(100, seen);
        assertEquals(100, fresh.size());
        for (Sample x : fresh) assertTrue(!seen.contains(x.question()), x.question());
        assertEquals(s.get(250).question(), fresh.get(0).question(), "the stream continues after the excluded prefix");
        assertThrows(IllegalArgumentException.class, () -> SyntheticArithmeticGenerator.Config.builder().operands(2, 20).maxResult(10).build());
        // a space too small for that many new questions is an error, not an endless loop
        var tiny = SyntheticArithmeticGenerator.Config.builder().seed(1).operands(2, 2).steps(1, 1).maxResult(4).build();
        java.util.Set<String> all = new java.util.HashSet<>();
        for (Sample x : new SyntheticArithmeticGenerator(tiny).generate(20000)) all.add(x.question());
        assertThrows(IllegalArgumentException.class, () -> new SyntheticArithmeticGenerator(tiny).generateExcluding(5, all));
    }
}
