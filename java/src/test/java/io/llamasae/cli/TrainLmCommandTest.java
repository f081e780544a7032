package io.llamasae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code synth} and {@code train-lm} from the command line: data, a tiny run, resume, and bad input. */
class TrainLmCommandTest {
    @Test
    void synthMakesDisjointHeldOutDataAndTrainLmTrainsOnIt(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path train = dir.resolve("train.jsonl");
        Path held = dir.resolve("held.jsonl");
        assertEquals(0, CliTest.run("synth", "--count", "600", "--seed", "1", "--out", train.toString()).code());
        CliTest.Outcome h = CliTest.run("synth", "--count", "20", "--seed", "2", "--exclude", train.toString(), "--out", held.toString());
        assertEquals(0, h.code(), h.err());
        Set<String> seen = new HashSet<>();
        for (Sample s : DatasetReader.read(train).samples()) seen.add(s.question());
        List<Sample> heldOut = DatasetReader.read(held).samples();
        assertEquals(20, heldOut.size());
        for (Sample s : heldOut) assertTrue(!seen.contains(s.question()), "held-out question seen in training: " + s.question());

        Path out = dir.resolve("m.gguf");
        String[] args = {"train-lm", "--data", train.toString(), "--heldout", held.toString(), "--out", out.toString(), "--steps", "12",
                "--batch", "8", "--layers", "1", "--embd", "32", "--heads", "2", "--ff", "32", "--eval-every", "6", "--eval-limit", "4",
                "--type", "q8_0"};
        CliTest.Outcome o = CliTest.run(args);
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("held-out greedy accuracy"), o.out());
        assertTrue(Files.exists(out) && Files.exists(dir.resolve("m-init.gguf")) && Files.exists(dir.resolve("m.gguf.ckpt")));
        JsonNode report = new ObjectMapper().readTree(dir.resolve("m.train.json").toFile());
        assertEquals(2, report.get("curve").size());
        assertEquals(20, report.get("heldout_greedy_accuracy").get("n").asInt());
        assertTrue(report.get("command").asText().contains("--steps"), report.get("command").asText());
        // run again: refused without --resume, finishes at once with it
        CliTest.assertBadInput(CliTest.run(args), "--resume");
        String[] resumed = java.util.Arrays.copyOf(args, args.length + 1);
        resumed[args.length] = "--resume";
        CliTest.Outcome r = CliTest.run(resumed);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming"), r.err());
        // eval-lm on the result: accuracy and every generation
        Path evalOut = dir.resolve("eval.json");
        CliTest.Outcome e = CliTest.run("eval-lm", "--model", out.toString(), "--data", held.toString(), "--limit", "6", "--out",
                evalOut.toString());
        assertEquals(0, e.code(), e.err());
        assertEquals(6, new ObjectMapper().readTree(evalOut.toFile()).get("generations").size());
        CliTest.assertBadInput(CliTest.run("eval-lm", "--model", out.toString(), "--data", held.toString(), "--out", held.toString()), "--out");
    }

    @Test
    void badOptionsEndWithExitCode2AndOneLine(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path train = dir.resolve("train.jsonl");
        assertEquals(0, CliTest.run("synth", "--count", "50", "--seed", "1", "--out", train.toString()).code());
        String out = dir.resolve("m.gguf").toString();
        CliTest.assertBadInput(CliTest.run("train-lm", "--data", train.toString(), "--heldout", train.toString(), "--out", out,
                "--steps", "2"), "held-out problem", "never seen in training");
        Path held = dir.resolve("held.jsonl");
        assertEquals(0, CliTest.run("synth", "--count", "5", "--seed", "2", "--exclude", train.toString(), "--out", held.toString()).code());
        String[] base = {"train-lm", "--data", train.toString(), "--heldout", held.toString(), "--out", out};
        CliTest.assertBadInput(CliTest.run(concat(base, "--embd", "30", "--heads", "4")), "--heads");
        CliTest.assertBadInput(CliTest.run(concat(base, "--lr", "-1")), "--lr");
        CliTest.assertBadInput(CliTest.run(concat(base, "--type", "q4_0")), "--type");
        CliTest.assertBadInput(CliTest.run(concat(base, "--steps", "0")), "--steps");
        CliTest.Outcome both = CliTest.run(concat(base, "--steps", "3", "--epochs", "1"));
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--steps") && both.err().contains("expected only one of them"), both.err());
        CliTest.assertBadInput(CliTest.run(concat(base, "--ctx", "16")), "--ctx");
        CliTest.assertBadInput(CliTest.run("train-lm", "--data", train.toString(), "--heldout", held.toString(), "--out", train.toString()),
                "--out");
        CliTest.assertBadInput(CliTest.run("train-lm", "--data", dir.resolve("nope.jsonl").toString(), "--heldout", held.toString(), "--out",
                out), "nope.jsonl");
        CliTest.assertBadInput(CliTest.run("synth", "--count", "0", "--out", dir.resolve("x.jsonl").toString()), "--count");
        CliTest.assertBadInput(CliTest.run("synth", "--preset", "huge", "--out", dir.resolve("x.jsonl").toString()), "--preset");
        assertTrue(Files.notExists(Path.of(out)), "nothing written on failure");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
