package io.llamasae.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.hardening.CorpusCase.Outcome;
import io.llamasae.hardening.CorpusCase.Want;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hardening corpus (issue 14): bad and awkward inputs of every kind against the real CLI,
 * run in child JVMs so that an abort would be counted instead of killing the test. Every run must
 * be either handled (a legitimate input, correct result) or refused (exit 2, one line naming the
 * file or option, the field and what was expected); none may abort, return a wrong result
 * silently, or change a protected file. The tally goes to target/hardening-corpus.md.
 */
class HardeningCorpusTest {
    @Test
    void everyBadInputIsHandledOrRefusedAndNothingIsLost(@TempDir Path tmp) throws Exception {
        SharedData.requireNatives();
        long t0 = System.nanoTime();
        Fixtures fx = new Fixtures(tmp.resolve("fixtures"));
        GgufCorpus gguf = new GgufCorpus(tmp.resolve("gguf"));
        FileCorpus files = new FileCorpus(fx);

        // phase 1: every GGUF variant through info, the base model through capture, the file corpus
        List<CorpusCase> phase1 = new ArrayList<>();
        Path baseCapture = tmp.resolve("gguf-out/base.safetensors");
        Files.createDirectories(baseCapture.getParent());
        phase1.add(CorpusCase.accept("gguf/base/capture", "gguf", captureArgs(gguf.baseFile, baseCapture), o -> Fixtures.finite(baseCapture),
                List.of(gguf.baseFile)));
        for (GgufCorpus.Variant v : gguf.variants) {
            phase1.add(new CorpusCase(v.id() + "/info", "gguf", List.of("info", "--model", v.file().toString()), v.want(), mention(v),
                    o -> o.out().contains("architecture:") ? null : "info printed no architecture", List.of(v.file())));
        }
        phase1.addAll(files.cases);
        Map<Path, String> protectedBefore = Verdicts.hashes(protectedPaths(phase1));
        Map<String, Outcome> outcomes = ChildRunner.run(phase1, Files.createDirectories(tmp.resolve("run1")), 120);

        // phase 2: the variants info accepted also go through a forward pass (context, graph, decode)
        List<CorpusCase> phase2 = new ArrayList<>();
        for (GgufCorpus.Variant v : gguf.variants) {
            Outcome info = outcomes.get(v.id() + "/info");
            if (info == null || info.exit() != 0) continue;
            Path out = tmp.resolve("gguf-out").resolve(v.file().getFileName() + ".safetensors");
            phase2.add(new CorpusCase(v.id() + "/capture", "gguf", captureArgs(v.file(), out), v.want(), mention(v), o -> {
                String f = Fixtures.finite(out);
                if (f != null || !v.sameResult()) return f;
                return sameFloats(out, baseCapture);
            }, List.of(v.file())));
        }
        protectedBefore.putAll(Verdicts.hashes(protectedPaths(phase2)));
        outcomes.putAll(ChildRunner.run(phase2, Files.createDirectories(tmp.resolve("run2")), 120));

        // processes: kill -9, concurrent runs
        ProcessCases processes = new ProcessCases(fx);

        Verdicts verdicts = new Verdicts();
        for (CorpusCase c : phase1) verdicts.judge(c, outcomes.get(c.id()));
        for (CorpusCase c : phase2) verdicts.judge(c, outcomes.get(c.id()));
        for (ProcessCases.Run r : processes.runs) verdicts.judge(r.c(), r.o());
        verdicts.checkProtected(protectedBefore);

        double seconds = (System.nanoTime() - t0) / 1e9;
        String report = verdicts.report(seconds);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) Files.writeString(target.resolve("hardening-corpus.md"), report, StandardCharsets.UTF_8);
        System.out.println("hardening corpus:\n" + report);
        int wanted = (int) verdicts.judged.stream().filter(j -> j.c().want() != Want.ACCEPT).count();
        assertTrue(wanted > 300, "the corpus must be broad: " + wanted + " bad-input runs");
        assertEquals(List.of(), verdicts.failures().stream().map(j -> j.v() + " " + j.c().id() + ": " + j.why()).toList(), report);
    }

    static List<String> captureArgs(Path model, Path out) {
        return List.of("capture", "--model", model.toString(), "--dataset", datasetFor(model).toString(), "--layers", "0,1", "--positions",
                "0,-1", "--ctx", "64", "--threads", "1", "--out", out.toString());
    }

    /** Three short prompts beside the GGUF variants (written once). */
    private static Path datasetFor(Path model) {
        Path d = model.toAbsolutePath().getParent().resolve("prompts.txt");
        try {
            if (!Files.exists(d)) Files.writeString(d, "12+7=19\nHow many apples?\n20*3=60 | 60+5=65\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return d;
    }

    private static List<String> mention(GgufCorpus.Variant v) {
        List<String> m = new ArrayList<>(List.of(v.file().getFileName().toString()));
        m.addAll(v.mention());
        return m;
    }

    private static Set<Path> protectedPaths(List<CorpusCase> cases) {
        Set<Path> s = new LinkedHashSet<>();
        for (CorpusCase c : cases) s.addAll(c.protect());
        return s;
    }

    /** null when both files hold the same tensors with bit-identical floats. */
    private static String sameFloats(Path a, Path b) throws java.io.IOException {
        Map<String, float[]> x = Fixtures.floats(a), y = Fixtures.floats(b);
        if (!x.keySet().equals(y.keySet())) return "tensor names differ from the base model's: " + x.keySet() + " vs " + y.keySet();
        for (var e : x.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), y.get(e.getKey()))) return e.getKey() + " differs from the base model's";
        }
        return null;
    }
}
