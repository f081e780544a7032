package io.llamasae.hardening;

import io.llamasae.hardening.CorpusCase.Outcome;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What only separate processes can show: a capture killed with SIGKILL (kill -9) and resumed,
 * a killed checkpoint write's leftover temp file, a second capture started while one runs on the
 * same output (with other inputs, and with the same ones), and a second run with other inputs
 * after an interrupted one. Every finished capture must equal the uninterrupted reference byte for
 * byte; every refused one must leave the running one's files alone. The moments are made certain
 * rather than raced: a capture is stopped (SIGSTOP) right after a checkpoint, then killed
 * (SIGKILL) or, for the concurrent cases, kept stopped while the second run starts and continued
 * (SIGCONT) afterwards.
 */
final class ProcessCases {
    record Run(CorpusCase c, Outcome o) {}

    private final Fixtures fx;
    private final Path dir;
    private final Path big;
    private final Path reference;
    final List<Run> runs = new ArrayList<>();

    ProcessCases(Fixtures fx) throws Exception {
        this.fx = fx;
        this.dir = Files.createDirectories(fx.dir.resolve("process"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 600; i++) sb.append(i % 7).append('+').append(i % 13).append('=').append(i % 7 + i % 13).append(" | sample ").append(i).append('\n');
        big = fx.write("big.txt", sb.toString());
        reference = dir.resolve("reference.safetensors");
        Outcome ref = cli("reference", capture(big, reference, false), 300);
        if (ref.exit() != 0) throw new IllegalStateException("reference capture failed: " + ref.err());
        killAndResume("kill-9-and-resume", 1);
        killAndResume("kill-9-twice-and-resume", 2);
        staleTemp();
        concurrent("concurrent-other-inputs", fx.prompts);
        concurrent("concurrent-same-inputs", big);
        otherInputsAfterInterruption();
        fifoInOwnProcess();
    }

    private List<String> capture(Path dataset, Path out, boolean resume) {
        List<String> a = new ArrayList<>(List.of("capture", "--model", fx.model.toString(), "--dataset", dataset.toString(), "--layers", "0,1",
                "--positions", "0,-1", "--batch", "2", "--threads", "1", "--out", out.toString()));
        if (resume) a.add("--resume");
        return a;
    }

    /** Runs the CLI in its own JVM to the end. */
    private Outcome cli(String name, List<String> args, int timeoutSeconds) throws Exception {
        Path log = dir.resolve(name + ".log");
        long t0 = System.nanoTime();
        Process p = ChildRunner.startCli(log, args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Outcome(-1, "", ChildRunner.tail(log, 2000), 0, true, "hung");
        }
        String text = Files.readString(log, StandardCharsets.ISO_8859_1);
        return new Outcome(p.exitValue(), text, text, (System.nanoTime() - t0) / 1_000_000, p.exitValue() > 128,
                p.exitValue() > 128 ? "signal " + (p.exitValue() - 128) : null);
    }

    /** Starts a resumable capture and returns it stopped (SIGSTOP) after a checkpoint past {@code minDone} samples. */
    private Process startStopped(Path out, String name, List<String> args, int minDone) throws Exception {
        Path checkpoint = StreamingSafetensorsWriter.partialDir(out).resolve("checkpoint.json");
        Process p = ChildRunner.startCli(dir.resolve(name + ".log"), args);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline && samplesDone(checkpoint) <= minDone) Thread.sleep(5);
        signal(p, "STOP");
        return p;
    }

    private static int samplesDone(Path checkpoint) {
        try {
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(checkpoint.toFile());
            return n.path("state").path("samples_done").asInt(0);
        } catch (Exception e) {
            return 0;  // not written yet (or being renamed into place)
        }
    }

    private static void signal(Process p, String sig) throws Exception {
        new ProcessBuilder("bash", "-c", "kill -" + sig + " " + p.pid()).inheritIO().start().waitFor();
    }

    /** Starts a resumable capture and SIGKILLs it once it has checkpointed past {@code minDone} samples; true if it was still running. */
    private boolean startAndKill(Path out, String name, int minDone) throws Exception {
        Process p = startStopped(out, name, capture(big, out, true), minDone);
        boolean killedMidway = p.isAlive();
        p.destroyForcibly();  // SIGKILL: no shutdown hook, no finally block runs
        p.waitFor();
        return killedMidway;
    }

    private void killAndResume(String id, int kills) throws Exception {
        Path out = dir.resolve(id + ".safetensors");
        boolean midway = true;
        for (int i = 0; i < kills; i++) midway &= startAndKill(out, id + "-killed-" + i, 100 * i);
        Outcome o = cli(id + "-resume", capture(big, out, true), 300);
        boolean wasMidway = midway;
        runs.add(new Run(CorpusCase.accept("process/" + id, "process", capture(big, out, true), x -> {
            if (!wasMidway) return "the capture finished before it could be killed";
            return sameBytes(out) ;
        }, List.of(fx.model, big)), o));
    }

    private String sameBytes(Path out) throws Exception {
        if (!Files.isRegularFile(out)) return out + " was not written";
        if (!java.util.Arrays.equals(Files.readAllBytes(reference), Files.readAllBytes(out))) return out + " differs from the uninterrupted capture";
        if (Files.exists(StreamingSafetensorsWriter.partialDir(out))) return StreamingSafetensorsWriter.partialDir(out) + " was left behind";
        return null;
    }

    /** A kill during the checkpoint's atomic write leaves its temp file in the folder. */
    private void staleTemp() throws Exception {
        Path out = dir.resolve("stale-temp.safetensors");
        startAndKill(out, "stale-temp-killed", 0);
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        Files.writeString(partial.resolve(".checkpoint.json.0badf00d.tmp"), "{\"rows\": {\"layer0.pos0\": 99");
        Outcome o = cli("stale-temp-resume", capture(big, out, true), 300);
        runs.add(new Run(CorpusCase.accept("process/kill-9-in-checkpoint-write-then-resume", "process", capture(big, out, true),
                x -> sameBytes(out), List.of(fx.model, big)), o));
    }

    /** While one resumable capture runs (stopped mid-way), another on the same output is refused and changes nothing. */
    private void concurrent(String id, Path otherDataset) throws Exception {
        Path out = dir.resolve(id + ".safetensors");
        Process first = startStopped(out, id + "-first", capture(big, out, true), 0);
        boolean overlapped = first.isAlive();
        Outcome second = cli(id + "-second", capture(otherDataset, out, true), 120);
        overlapped &= first.isAlive();
        signal(first, "CONT");
        if (!first.waitFor(300, TimeUnit.SECONDS)) first.destroyForcibly();
        int firstExit = first.exitValue();
        boolean ran = overlapped;
        runs.add(new Run(CorpusCase.refuse("process/" + id + "/second-run", "process", capture(otherDataset, out, true),
                List.of(".partial", "lock"), List.of(fx.model, big)), second));
        runs.add(new Run(CorpusCase.accept("process/" + id + "/first-run", "process", capture(big, out, true), x -> {
            if (!ran) return "the first run had finished before the second started";
            if (firstExit != 0) return "the running capture failed (exit " + firstExit + ")";
            return sameBytes(out);
        }, List.of(fx.model, big)), new Outcome(firstExit, "", "", 0, firstExit > 128, null)));
    }

    /** After an interrupted run, a run with other inputs is refused without touching the spills; the original then resumes. */
    private void otherInputsAfterInterruption() throws Exception {
        Path out = dir.resolve("other-inputs.safetensors");
        startAndKill(out, "other-inputs-killed", 0);
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        String before = Verdicts.hash(partial);
        Outcome refused = cli("other-inputs-refused", capture(fx.prompts, out, true), 120);
        String after = Verdicts.hash(partial);
        runs.add(new Run(CorpusCase.refuse("process/other-inputs-after-interruption", "process", capture(fx.prompts, out, true),
                List.of(".partial", "other inputs"), List.of(fx.model, big)), refused));
        Outcome resumed = cli("other-inputs-resumed", capture(big, out, true), 300);
        runs.add(new Run(CorpusCase.accept("process/resume-after-a-refused-run", "process", capture(big, out, true),
                x -> !before.equals(after) ? "the refused run changed " + partial : sameBytes(out), List.of(fx.model, big)), resumed));
    }

    /** A named pipe as the dataset of a real process: refused at once, never blocks. */
    private void fifoInOwnProcess() throws Exception {
        Path fifo = fx.fifo("process.fifo");
        List<String> a = capture(fifo, dir.resolve("fifo.safetensors"), false);
        runs.add(new Run(CorpusCase.refuse("process/named-pipe-dataset", "process", a, List.of("--dataset", "named pipe"), List.of()),
                cli("fifo", a, 60)));
    }
}
