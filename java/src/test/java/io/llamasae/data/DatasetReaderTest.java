package io.llamasae.data;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsGsm8kWithAnnotationsAndFinalAnswer() throws IOException {
        Path p = write("train.jsonl", "{\"question\":\"Q1?\",\"answer\":\"a <<20*3=60>>60 then <<60+5=65>>65\\n#### 65\"}\n"
                + "\n{\"question\":\"Q2?\",\"answer\":\"<<1,000/4=250>>250\\n#### 1,000\"}\n");
        Dataset d = DatasetReader.read(p);
        assertEquals(DatasetFormat.GSM8K, d.format());
        assertEquals(2, d.samples().size());
        Sample s = d.samples().get(0);
        assertEquals("train_0", s.id());
        assertEquals("20*3=60 | 60+5=65", s.cot());
        assertEquals("65", s.answer());
        assertEquals("Question: Q1?\nAnswer:", s.prompt());
        assertEquals("1000", d.samples().get(1).answer());
        assertEquals(List.of("1000", "4", "250"), d.samples().get(1).equations().get(0).numberTokens());
    }

    @Test
    void readsCotStringAndList() throws IOException {
        Path p = write("cot.jsonl", "{\"problem_id\":\"train_1\",\"question\":\"Q\",\"cot\":\"20*3=60 | 60+5=65\",\"answer\":65}\n"
                + "{\"question\":\"Q\",\"cot\":[\"408-113=295\",\"295/5=59\"],\"answer\":\"59\"}\n");
        Dataset d = DatasetReader.read(p, DatasetReader.Options.defaults().withTemplate(new PromptTemplate("Q: {question} A:")));
        assertEquals(DatasetFormat.COT, d.format());
        assertEquals("train_1", d.samples().get(0).id());
        assertEquals("65", d.samples().get(0).answer());
        assertEquals("408-113=295 | 295/5=59", d.samples().get(1).cot());
        assertEquals("Q: Q A:", d.samples().get(1).prompt());
    }

    @Test
    void anExplicitPromptIsTheModelsInputVerbatimAndSurvivesAWriteAndRead() throws IOException {
        Path p = write("p.jsonl", "{\"question\":\"Q1?\",\"prompt\":\"Question: Q1?\\nAnswer: 20\",\"answer\":\"<<20*3=60>>60\\n#### 60\"}\n");
        Dataset d = DatasetReader.read(p);
        assertEquals("Question: Q1?\nAnswer: 20", d.samples().get(0).prompt());
        assertEquals("20*3=60", d.samples().get(0).cot());
        Path q = write("cot.jsonl", "{\"question\":\"Q2?\",\"cot\":\"2+3=5\",\"answer\":5,\"prompt\":\"custom\"}\n");
        assertEquals("custom", DatasetReader.read(q).samples().get(0).prompt());
        DatasetException bad = assertThrows(DatasetException.class,
                () -> DatasetReader.read(write("bad.jsonl", "{\"question\":\"Q\",\"answer\":\"#### 1\",\"prompt\":3}\n")));
        assertTrue(bad.getMessage().contains("bad.jsonl:1") && bad.getMessage().contains("'prompt'"), bad.getMessage());
        // the generator's writer keeps a non-default prompt, and only then
        Path out = dir.resolve("round.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(d.samples(), out);
        List<Sample> again = DatasetReader.read(out).samples();
        assertEquals(d.samples().get(0).prompt(), again.get(0).prompt());
        assertEquals(d.samples().get(0).cot(), again.get(0).cot());
        SyntheticArithmeticGenerator.writeGsm8kJsonl(DatasetReader.read(write("plain.jsonl",
                "{\"question\":\"Q1?\",\"answer\":\"<<2+3=5>>5\\n#### 5\"}\n")).samples(), out);
        assertTrue(!Files.readString(out).contains("prompt"), Files.readString(out));
    }

    @Test
    void plainTextAndFormatOverride() throws IOException {
        Path p = write("prompts.txt", "What is 2+2?\n\nHow many legs?\n");
        Dataset d = DatasetReader.read(p);
        assertEquals(DatasetFormat.TEXT, d.format());
        assertEquals(2, d.samples().size());
        assertEquals("What is 2+2?", d.samples().get(0).prompt());
        Path j = write("x.jsonl", "{\"question\":\"Q\",\"answer\":\"#### 1\"}\n");
        Dataset forced = DatasetReader.read(j, DatasetReader.Options.defaults().withFormat(DatasetFormat.TEXT));
        assertEquals(DatasetFormat.TEXT, forced.format());
        assertTrue(forced.samples().get(0).prompt().startsWith("{"));
    }

    @Test
    void badLinesNameFileLineAndField() throws IOException {
        Path p = write("bad.jsonl", "{\"question\":\"Q\",\"answer\":\"<<1+1=2>>\\n#### 2\"}\n{\"question\":\"Q\"}\n");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetReader.read(p, DatasetReader.Options.defaults()
                .withFormat(DatasetFormat.GSM8K)));
        assertTrue(e.getMessage().contains("bad.jsonl:2"), e.getMessage());
        assertTrue(e.getMessage().contains("'answer'"), e.getMessage());

        Path q = write("bad2.jsonl", "{\"question\":\"Q\",\"answer\":\"<<1+1=2>>\\n#### 2\"}\n{not json\n{\"question\":\"Q\",\"answer\":\"no marker\"}\n");
        Dataset d = DatasetReader.read(q, DatasetReader.Options.defaults().withSkipBad(true));
        assertEquals(1, d.samples().size());
        assertEquals(2, d.skippedLines().size());
        assertTrue(d.skippedLines().get(0).contains("bad2.jsonl:2"));
        assertTrue(d.skippedLines().get(1).contains("'####"), d.skippedLines().get(1));
    }

    @Test
    void emptyAndMissingFilesAreClearErrors() throws IOException {
        Path p = write("empty.jsonl", "\n  \n");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetReader.read(p)).getMessage().contains("empty dataset"));
        assertTrue(assertThrows(DatasetException.class, () -> DatasetReader.read(dir.resolve("nope.jsonl"))).getMessage()
                .contains("expected a regular file but found nothing"));
        Path u = write("unknown.jsonl", "{\"text\":\"hello\"}\n");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetReader.read(u)).getMessage().contains("cannot detect format"));
    }

    @Test
    void unparsedEquationsAreReportedNotDropped() throws IOException {
        Path p = write("u.jsonl", "{\"question\":\"Q\",\"answer\":\"<<2*x=4>> <<2*3=6>>\\n#### 6\"}\n");
        Dataset d = DatasetReader.read(p);
        Sample s = d.samples().get(0);
        assertEquals(1, s.equations().size());
        assertEquals(List.of("2*x=4"), s.unparsedEquations());
        assertEquals(1, d.unparsedEquations().size());
        assertTrue(d.unparsedEquations().get(0).contains("u.jsonl:1"));
        assertEquals("2*x=4 | 2*3=6", s.cot());
    }

    /** Binary operators counted independently: an operator character preceded by a digit, '.', or ')' on the left-hand side. */
    private static final Pattern BINARY_OP = Pattern.compile("(?<=[0-9.)])\\s*([-+*/])");

    @Test
    void parsesAllOfGsm8kTest() throws IOException {
        Path shared = Path.of(System.getProperty("llama.sae.shared", "../shared"));
        Path test = shared.resolve("data/gsm8k/test.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(test), "GSM8K test set not present at " + test + "; skipping");
        Dataset d = DatasetReader.read(test);
        assertEquals(1319, d.samples().size());
        assertEquals(DatasetFormat.GSM8K, d.format());
        Map<Operation, Integer> parsed = new EnumMap<>(Operation.class);
        Map<Operation, Integer> independent = new EnumMap<>(Operation.class);
        int annotations = 0;
        Pattern ann = Pattern.compile("<<([^<>]*)>>");
        for (String line : Files.readAllLines(test)) {
            java.util.EnumSet<Operation> ops = java.util.EnumSet.noneOf(Operation.class);
            Matcher m = ann.matcher(line);
            while (m.find()) {
                annotations++;
                String lhs = m.group(1).split("=")[0];
                Matcher o = BINARY_OP.matcher(lhs);
                while (o.find()) {
                    ops.add(Operation.fromSymbol(o.group(1).charAt(0)).orElseThrow());
                }
            }
            ops.forEach(op -> independent.merge(op, 1, Integer::sum));
        }
        int equations = 0;
        int unparsed = 0;
        for (Sample s : d.samples()) {
            s.operations().forEach(op -> parsed.merge(op, 1, Integer::sum));
            equations += s.equations().size();
            unparsed += s.unparsedEquations().size();
        }
        System.out.println("GSM8K test: " + d.summary() + "; samples per operation " + parsed + "; " + equations + " equations");
        assertEquals(annotations, equations + unparsed, "every annotation is either parsed or reported");
        assertEquals(0, unparsed, "unparsed: " + d.unparsedEquations());
        assertEquals(independent, parsed);
    }
}
