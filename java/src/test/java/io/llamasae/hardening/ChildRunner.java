package io.llamasae.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs corpus cases in child JVMs ({@link CorpusChild}) so that a case that aborts the process
 * (a ggml assert, a crash) or hangs (a named pipe) costs one child, not the test JVM: the case
 * without a result is recorded as crashed, and a new child continues with the next one.
 */
final class ChildRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChildRunner() {}

    /** The test classpath (surefire runs tests from a manifest-only jar; its real path is in this property). */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** A command starting a JVM with the test classpath and {@code mainClass}. */
    static List<String> java(String mainClass, String... jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-XX:TieredStopAtLevel=1");  // short runs: the C1 compiler is enough and starts faster
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        return cmd;
    }

    /**
     * Runs every case (in order) and returns the outcome of each by id. {@code stallSeconds}: a
     * child that finishes no case for this long is killed and its current case recorded as hung.
     */
    static Map<String, CorpusCase.Outcome> run(List<CorpusCase> cases, Path work, int stallSeconds) throws Exception {
        Map<String, CorpusCase.Outcome> outcomes = new LinkedHashMap<>();
        int next = 0;
        int child = 0;
        while (next < cases.size()) {
            child++;
            Path in = work.resolve("cases-" + child + ".jsonl");
            Path out = work.resolve("results-" + child + ".jsonl");
            Path log = work.resolve("child-" + child + ".log");
            List<String> lines = new ArrayList<>();
            for (CorpusCase c : cases.subList(next, cases.size())) {
                var node = JSON.createObjectNode();
                node.put("id", c.id());
                var arr = node.putArray("args");
                c.args().forEach(arr::add);
                lines.add(JSON.writeValueAsString(node));
            }
            Files.write(in, lines, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            List<String> cmd = java(CorpusChild.class.getName());
            cmd.add(in.toString());
            cmd.add(out.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int done = 0;
            long lastProgress = System.nanoTime();
            String crash = null;
            while (true) {
                boolean exited = p.waitFor(200, TimeUnit.MILLISECONDS);
                int now = countLines(out);
                if (now > done) {
                    done = now;
                    lastProgress = System.nanoTime();
                }
                if (exited) {
                    if (p.exitValue() != 0 || now < cases.size() - next) {
                        crash = "child exited with status " + p.exitValue() + signal(p.exitValue());
                    }
                    break;
                }
                if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(stallSeconds)) {
                    p.destroyForcibly().waitFor();
                    crash = "hung: no result for " + stallSeconds + " s (killed)";
                    break;
                }
            }
            List<String> resultLines = Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
            for (String line : resultLines.subList(0, Math.min(done, resultLines.size()))) {
                if (line.isBlank()) continue;
                JsonNode r = JSON.readTree(line);
                outcomes.put(r.get("id").asText(), new CorpusCase.Outcome(r.get("exit").asInt(), r.get("out").asText(),
                        r.get("err").asText(), r.get("ms").asLong(), false, null));
            }
            next += done;
            if (crash != null && next < cases.size()) {
                String tail = tail(log, 1500);
                outcomes.put(cases.get(next).id(), new CorpusCase.Outcome(-1, "", tail, 0, true, crash));
                next++;
            }
        }
        return outcomes;
    }

    private static String signal(int status) {
        return status > 128 ? " (signal " + (status - 128) + ")" : "";
    }

    /** Complete result lines written so far (a line the child is still writing does not count). */
    private static int countLines(Path p) throws IOException {
        if (!Files.exists(p)) return 0;
        int n = 0;
        for (byte b : Files.readAllBytes(p)) if (b == '\n') n++;
        return n;
    }

    static String tail(Path p, int chars) {
        try {
            String s = Files.readString(p, StandardCharsets.ISO_8859_1);
            return s.length() <= chars ? s : s.substring(s.length() - chars);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Runs the CLI in its own JVM (for kill -9 and concurrency cases). */
    static Process startCli(Path log, List<String> args) throws IOException {
        List<String> cmd = java("io.llamasae.cli.Main");
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static String pathSeparator() {
        return File.pathSeparator;
    }
}
