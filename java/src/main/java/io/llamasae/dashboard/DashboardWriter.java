package io.llamasae.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.io.AtomicFiles;
import io.llamasae.report.StudyJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the static dashboard site: no server, no network, works from {@code file://}.
 *
 * <pre>
 * dashboard/index.html, feature.html, assets/dashboard.{css,js}   (copied from the jar)
 * dashboard/index-data.js          every section's index rows: LlamaSae.index({...})
 * dashboard/data/layer{L}_pos{P}/section.json                      one section's metadata and rows
 * dashboard/data/layer{L}_pos{P}/feature{F}.json                   one feature's data
 * dashboard/data/layer{L}_pos{P}/feature{F}.js                     the same, as LlamaSae.feature({...})
 * </pre>
 * Pages load data through script elements (browsers refuse {@code fetch()} of {@code file://} URLs), so
 * every JSON document has a {@code .js} twin that hands it to the page. Sections are written one at a
 * time ({@link #writeSection}), so a sweep never holds more than one layer's documents; {@link #writeSite}
 * then indexes every section present under {@code data/}.
 */
public final class DashboardWriter {
    public static final String INDEX = "index.html";
    private static final List<String> ASSETS = List.of("index.html", "feature.html", "assets/dashboard.css", "assets/dashboard.js");

    /** Compact JSON: the pages parse it, nobody diffs it, and indentation would double its size. */
    private static final com.fasterxml.jackson.databind.ObjectWriter JSON =
            StudyJson.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private DashboardWriter() {}

    /**
     * Temp file then rename, like {@link AtomicFiles} but without an fsync per file: a layer has
     * thousands of small files, and a crash leaves each one either old or new, never half-written.
     */
    static void writeText(Path out, String text) throws IOException {
        Path tmp = AtomicFiles.tempBeside(out);
        try {
            Files.writeString(tmp, text, java.nio.charset.StandardCharsets.UTF_8);
            AtomicFiles.moveInto(tmp, out);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes one section and refreshes the site's index; returns the index page. */
    public static Path write(Path dir, FeatureDashboard.Section section, String title) {
        writeSection(dir, section);
        return writeSite(dir, title);
    }

    /** Writes the section's folder (replacing an earlier version of the same section). */
    public static void writeSection(Path dir, FeatureDashboard.Section s) {
        Path folder = dir.resolve("data").resolve(s.id());
        try {
            Files.createDirectories(folder);
            try (Stream<Path> old = Files.list(folder)) {
                for (Path p : old.filter(p -> p.getFileName().toString().startsWith("feature")).toList()) Files.delete(p);
            }
            for (Map.Entry<Integer, ObjectNode> e : s.features().entrySet()) {
                String json = JSON.writeValueAsString(e.getValue());
                writeText(folder.resolve("feature" + e.getKey() + ".json"), json + "\n");
                writeText(folder.resolve("feature" + e.getKey() + ".js"), "LlamaSae.feature(" + json + ");\n");
            }
            ObjectNode section = StudyJson.MAPPER.createObjectNode();
            section.set("meta", s.meta());
            section.set("rows", s.rows());
            writeText(folder.resolve("section.json"), JSON.writeValueAsString(section) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard: writing " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the pages and assets and writes {@code index-data.js} from every {@code data/* /section.json}
     * (sorted by layer, then position). Returns {@code dir/index.html}.
     */
    public static Path writeSite(Path dir, String title) {
        try {
            for (String a : ASSETS) {
                try (InputStream in = DashboardWriter.class.getResourceAsStream(a)) {
                    if (in == null) throw new IllegalStateException("dashboard asset " + a + " missing from the jar");
                    Files.createDirectories(dir.resolve(a).getParent());
                    AtomicFiles.writeBytes(dir.resolve(a), in.readAllBytes());
                }
            }
            List<JsonNode> sections = new ArrayList<>();
            Path data = dir.resolve("data");
            if (Files.isDirectory(data)) {
                try (Stream<Path> folders = Files.list(data)) {
                    for (Path f : folders.sorted().toList()) {
                        Path sj = f.resolve("section.json");
                        if (Files.isRegularFile(sj)) sections.add(StudyJson.MAPPER.readTree(sj.toFile()));
                    }
                }
            }
            sections.sort(Comparator.<JsonNode>comparingInt(n -> n.path("meta").path("layer").asInt())
                    .thenComparingInt(n -> n.path("meta").path("position").asInt()));
            ObjectNode index = StudyJson.MAPPER.createObjectNode();
            index.put("title", title);
            index.put("columns", "feature, rank, frequency, max |a|, sound type, sound description, seed type, seed description, peak tokens");
            ArrayNode arr = index.putArray("sections");
            sections.forEach(arr::add);
            writeText(dir.resolve("index-data.js"), "LlamaSae.index(" + JSON.writeValueAsString(index) + ");\n");
            return dir.resolve(INDEX);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("dashboard: serialising the index: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard: writing " + dir + ": " + e.getMessage(), e);
        }
    }
}
