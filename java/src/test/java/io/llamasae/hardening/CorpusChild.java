package io.llamasae.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.cli.Main;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of the corpus: runs many cases in one process through {@link Main#run} (the
 * CLI's own entry point, as {@code llama-sae} runs it), one after another, and appends one JSON
 * result line per finished case. If a case aborts the process, the parent ({@link ChildRunner})
 * sees which one (the first without a result) and starts a new child for the rest.
 *
 * <p>Usage: {@code CorpusChild CASES.jsonl RESULTS.jsonl}; a cases line is {"id": ..., "args": [...]}.
 */
public final class CorpusChild {
    private CorpusChild() {}

    public static void main(String[] argv) throws Exception {
        System.setProperty("java.awt.headless", "true");
        ObjectMapper json = new ObjectMapper();
        Path results = Path.of(argv[1]);
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        try (BufferedWriter w = Files.newBufferedWriter(results, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            for (String line : Files.readAllLines(Path.of(argv[0]), StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode c = json.readTree(line);
                List<String> args = new ArrayList<>();
                c.get("args").forEach(a -> args.add(a.asText()));
                realErr.println("corpus: " + c.get("id").asText());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                long t0 = System.nanoTime();
                int exit;
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                try {
                    exit = Main.run(args.toArray(String[]::new));
                } catch (Throwable t) {  // the CLI must never let one escape: recorded as a failure
                    t.printStackTrace(System.err);
                    exit = -1;
                } finally {
                    System.out.flush();
                    System.err.flush();
                    System.setOut(realOut);
                    System.setErr(realErr);
                }
                ObjectNode r = json.createObjectNode();
                r.put("id", c.get("id").asText());
                r.put("exit", exit);
                r.put("out", out.toString(StandardCharsets.UTF_8));
                r.put("err", err.toString(StandardCharsets.UTF_8));
                r.put("ms", (System.nanoTime() - t0) / 1_000_000);
                w.write(json.writeValueAsString(r));
                w.newLine();
                w.flush();
            }
        }
        System.exit(0);
    }
}
