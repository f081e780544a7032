package io.llamasae.hardening;

import io.llamasae.hardening.CorpusCase.Outcome;
import io.llamasae.hardening.CorpusCase.Want;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** How each corpus run is judged, and the tally the test asserts on and reports. */
final class Verdicts {
    enum Verdict {
        /** A legitimate input accepted with a correct result. */
        HANDLED,
        /** A bad input refused with exit 2 and a one-line message naming subject, field and expectation. */
        REFUSED,
        /** The process died (signal, assert) or hung. */
        ABORT,
        /** Exit 0 on an input that must be refused, or an accepted run whose result is wrong. */
        SILENT_WRONG,
        /** A refusal without the message shape, an internal error (exit 1), or a legitimate input refused. */
        UNCLEAR,
        /** A protected file changed or vanished. */
        LOST
    }

    record Judged(CorpusCase c, Outcome o, Verdict v, String why) {}

    final List<Judged> judged = new ArrayList<>();

    Verdict judge(CorpusCase c, Outcome o) {
        Verdict v;
        String why = "";
        if (o == null) {
            v = Verdict.ABORT;
            why = "no outcome recorded";
        } else if (o.crashed()) {
            v = Verdict.ABORT;
            why = o.crash();
        } else if (o.exit() == 2) {
            String shape = refusalShape(c, o);
            if (c.want() == Want.ACCEPT) {
                v = Verdict.UNCLEAR;
                why = "a legitimate input was refused: " + o.errorLine();
            } else if (shape != null) {
                v = Verdict.UNCLEAR;
                why = shape;
            } else {
                v = Verdict.REFUSED;
            }
        } else if (o.exit() == 0) {
            if (c.want() == Want.REFUSE) {
                v = Verdict.SILENT_WRONG;
                why = "accepted (exit 0) but must be refused";
            } else {
                String bad;
                try {
                    bad = c.check() == null ? null : c.check().verify(o);
                } catch (Exception e) {
                    bad = "check failed: " + e;
                }
                v = bad == null ? Verdict.HANDLED : Verdict.SILENT_WRONG;
                why = bad == null ? "" : bad;
            }
        } else {
            v = Verdict.UNCLEAR;
            why = "exit " + o.exit() + ": " + o.errorLine();
        }
        judged.add(new Judged(c, o, v, why));
        return v;
    }

    /** null when the refusal has the shape every refusal must have, else what is missing. */
    static String refusalShape(CorpusCase c, Outcome o) {
        String line = o.errorLine();
        if (!line.startsWith("llama-sae")) return "the last stderr line is not the CLI's message: " + line;
        if (!line.contains("expected")) return "the message does not say what was expected: " + line;
        for (String m : c.mention()) {
            if (!line.contains(m)) return "the message does not name '" + m + "': " + line;
        }
        return null;
    }

    /** Marks cases whose protected files changed (compared with {@code before}). */
    void checkProtected(Map<Path, String> before) throws IOException {
        Map<Path, String> after = hashes(before.keySet());
        for (int i = 0; i < judged.size(); i++) {
            Judged j = judged.get(i);
            for (Path p : j.c().protect()) {
                if (!java.util.Objects.equals(before.get(p), after.get(p))) {
                    judged.set(i, new Judged(j.c(), j.o(), Verdict.LOST, p + " changed or vanished"));
                    break;
                }
            }
        }
    }

    /** SHA-256 of each file, or of every file under a folder (sorted), "missing" when absent. */
    static Map<Path, String> hashes(Iterable<Path> paths) throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path p : paths) out.put(p, hash(p));
        return out;
    }

    static String hash(Path p) throws IOException {
        if (!Files.exists(p)) return "missing";
        if (!Files.isRegularFile(p) && !Files.isDirectory(p)) return io.llamasae.io.InputFiles.kind(p);  // reading a pipe would block
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.filter(f -> Files.isRegularFile(f)).sorted().toList()) {
                        md.update(p.relativize(f).toString().getBytes());
                        md.update(Files.readAllBytes(f));
                    }
                }
            } else {
                md.update(Files.readAllBytes(p));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Map<String, EnumMap<Verdict, Integer>> byGroup() {
        Map<String, EnumMap<Verdict, Integer>> t = new TreeMap<>();
        for (Judged j : judged) {
            t.computeIfAbsent(j.c().group(), g -> new EnumMap<>(Verdict.class)).merge(j.v(), 1, Integer::sum);
        }
        return t;
    }

    int count(Verdict v) {
        return (int) judged.stream().filter(j -> j.v() == v).count();
    }

    List<Judged> failures() {
        return judged.stream().filter(j -> j.v() != Verdict.HANDLED && j.v() != Verdict.REFUSED).toList();
    }

    /** A Markdown table of the tally plus every failure. */
    String report(double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("| group | runs | handled | refused | aborts | silent wrong | unclear | lost |\n|---|---|---|---|---|---|---|---|\n");
        EnumMap<Verdict, Integer> total = new EnumMap<>(Verdict.class);
        int runs = 0;
        for (var e : byGroup().entrySet()) {
            int n = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            runs += n;
            e.getValue().forEach((k, v) -> total.merge(k, v, Integer::sum));
            sb.append(row(e.getKey(), n, e.getValue()));
        }
        sb.append(row("**all**", runs, total));
        sb.append(String.format("%n%d runs in %.0f s.%n", runs, seconds));
        for (Judged j : failures()) {
            sb.append("\n- ").append(j.v()).append(" ").append(j.c().id()).append(": ").append(j.why());
        }
        return sb.toString();
    }

    private static String row(String name, int n, EnumMap<Verdict, Integer> m) {
        return "| " + name + " | " + n + " | " + m.getOrDefault(Verdict.HANDLED, 0) + " | " + m.getOrDefault(Verdict.REFUSED, 0) + " | "
                + m.getOrDefault(Verdict.ABORT, 0) + " | " + m.getOrDefault(Verdict.SILENT_WRONG, 0) + " | " + m.getOrDefault(Verdict.UNCLEAR, 0)
                + " | " + m.getOrDefault(Verdict.LOST, 0) + " |\n";
    }
}
