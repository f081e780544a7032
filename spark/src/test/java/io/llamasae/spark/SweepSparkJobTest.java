package io.llamasae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.engine.NativeLibrary;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sweep.SweepSummary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --spark local[2]} with 5 partitions against the single-process {@code sweep} on the same inputs: every
 * statistics, labels and metrics file (the per-layer files, {@code sweep_summary.json}, {@code sweep.md}) byte-identical,
 * so every number bit-identical (the spliced-in evaluation included: its samples span two partitions), and the codes
 * shards equal to the single-process codes file, also when a task fails its first attempt and Spark retries it.
 */
class SweepSparkJobTest {
    static final int SAMPLES = 88;   // 11 batches of 8
    static final String BATCH = "8";

    @TempDir
    static Path dir;
    static SparkFixture fx;
    static Path baseline;

    @BeforeAll
    static void singleProcessBaseline() throws Exception {
        assertTrue(NativeLibrary.isAvailable(), () -> "the engine natives must load for the Spark tests: " + NativeLibrary.loadError());
        fx = new SparkFixture(dir, SAMPLES);
        baseline = dir.resolve("baseline");
        assertEquals(0, SparkMain.run(args(baseline).toArray(String[]::new)));
    }

    /** The sweep's arguments: all layers, two positions, 40 evaluated prompts (the first 3 + 2 batches: two partitions). */
    private static List<String> args(Path out) {
        return new ArrayList<>(List.of("sweep", "--model", fx.model.toString(), "--saes", fx.saes.toString(), "--dataset",
                fx.dataset.toString(), "--positions", "3,-1", "--batch", BATCH, "--ce-samples", "40", "--ranks", "1-40,41-96", "--codes",
                "--no-dashboard", "--no-plots", "--out", out.toString()));
    }

    private static int sweep(Path out, String master, String... extra) {
        List<String> a = args(out);
        a.addAll(List.of("--partitions", "5", "--spark", master));
        a.addAll(List.of(extra));
        return SparkMain.run(a.toArray(String[]::new));
    }

    /** Every JSON and Markdown file of the single-process sweep, byte for byte. */
    private static void assertSameReports(Path out) throws Exception {
        List<Path> files;
        try (Stream<Path> all = Files.walk(baseline)) {
            files = all.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".md")).toList();
        }
        assertTrue(files.size() >= 3 * 2 * 5, "files compared: " + files.size());
        for (Path f : files) {
            Path mine = out.resolve(baseline.relativize(f));
            assertTrue(Files.isRegularFile(mine), "the Spark sweep wrote no " + mine);
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(mine), baseline.relativize(f) + " differs");
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve(SweepSummary.JSON_NAME).toFile());
        assertTrue(summary.get(0).get("ce_loss_recovered").isNumber(), "the spliced-in evaluation ran");
    }

    /** Concatenates the committed shards in manifest order and compares them with the single-process codes file. */
    private static JsonNode assertSameCodes(Path out, int partitions) throws Exception {
        Path shards = out.resolve("shards");
        JsonNode manifest = new ObjectMapper().readTree(shards.resolve("manifest.json").toFile());
        assertEquals(ShardCommitter.FORMAT, manifest.get("format").asText());
        assertEquals(SAMPLES, manifest.get("samples").asInt());
        assertEquals(partitions, manifest.get("partitions").size());
        Map<String, byte[]> expected = new TreeMap<>();
        Map<String, java.io.ByteArrayOutputStream> codes = new TreeMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(baseline.resolve("codes.safetensors"))) {
            for (String t : r.tensors().keySet()) expected.put(t, bytes(r, t));
        }
        assertEquals(2 * 2 * SparkFixture.BLOCKS + 2, expected.size(), "indices and values per layer and position, positions: " + expected.keySet());
        int expectFirst = 0;
        for (JsonNode p : manifest.get("partitions")) {
            assertEquals(expectFirst, p.get("first_sample").asInt());
            assertEquals(0, p.get("first_sample").asInt() % Integer.parseInt(BATCH), "partitions start on batch boundaries");
            expectFirst += p.get("samples").asInt();
            assertEquals(1, p.get("files").size());
            try (SafetensorsReader r = SafetensorsReader.open(shards.resolve(p.get("files").get(0).asText()))) {
                assertEquals(p.get("first_sample").asText(), r.metadata().get("first_sample"));
                for (String t : expected.keySet()) codes.computeIfAbsent(t, n -> new java.io.ByteArrayOutputStream()).writeBytes(bytes(r, t));
            }
        }
        assertEquals(SAMPLES, expectFirst);
        for (String t : expected.keySet()) assertArrayEquals(expected.get(t), codes.get(t).toByteArray(), t);
        assertFalse(Files.exists(shards.resolve("_temporary")), "attempt folders are removed");
        try (var files = Files.list(shards)) {
            assertEquals(partitions + 1, files.count(), "one shard per partition plus the manifest, nothing else");
        }
        return manifest;
    }

    private static byte[] bytes(SafetensorsReader r, String tensor) throws Exception {
        ByteBuffer b = r.window(tensor, 0, r.info(tensor).elementCount()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void fivePartitionsOnTwoExecutorThreadsEqualTheSingleProcessSweep() throws Exception {
        Path out = dir.resolve("spark");
        int opened = EngineCache.opened();
        int leased = EngineCache.leased();
        assertEquals(0, sweep(out, "local[2]"));
        assertSameReports(out);
        assertSameCodes(out, 5);
        // one engine per concurrently running task, reused by the later tasks: 5 tasks, 2 task slots, at most 2 engines
        // (fewer when an earlier job's straggler task returned one to this JVM's pool)
        assertEquals(5, EngineCache.leased() - leased);
        int engines = EngineCache.opened() - opened;
        assertTrue(engines <= 2, "engines opened: " + engines);
        JsonNode summary = new ObjectMapper().readTree(out.resolve("spark_summary.json").toFile());
        assertEquals(5, summary.get("partitions").size());
        for (JsonNode p : summary.get("partitions")) {
            assertEquals(0, p.get("attempt").asInt());
            assertEquals("cpu(1 threads)", p.get("device").asText());
        }
    }

    @Test
    void aTaskThatFailsItsFirstAttemptIsRetriedAndCountedOnce() throws Exception {
        // The failure comes after the runner wrote its shard into the attempt's folder: only the retry's is committed.
        Path out = dir.resolve("retried");
        assertEquals(0, sweep(out, "local[2,2]", "--spark-conf", FaultInjection.PARTITION + "=1",
                "--spark-conf", FaultInjection.WHEN + "=before-commit"));
        assertSameReports(out);
        assertSameCodes(out, 5);
        JsonNode parts = new ObjectMapper().readTree(out.resolve("spark_summary.json").toFile()).get("partitions");
        for (JsonNode p : parts) {
            assertEquals(p.get("index").asInt() == 1 ? 1 : 0, p.get("attempt").asInt(), "attempt of partition " + p.get("index"));
        }
        // Without retries the same hook fails the job, and no manifest claims a result.
        Path failed = dir.resolve("failed");
        assertNotEquals(0, sweep(failed, "local[2]", "--spark-conf", FaultInjection.PARTITION + "=1",
                "--spark-conf", FaultInjection.WHEN + "=start"));
        assertFalse(Files.exists(failed.resolve("shards/manifest.json")));
        assertFalse(Files.exists(failed.resolve("shards/_temporary")));
    }

    @Test
    void badInputIsExitCodeTwo() throws Exception {
        Path out = dir.resolve("bad");
        Path noSaes = Files.createDirectories(dir.resolve("empty-saes"));
        assertEquals(2, SparkMain.run("sweep", "--model", fx.model.toString(), "--saes", noSaes.toString(), "--dataset",
                fx.dataset.toString(), "--positions", "-1", "--spark", "local[1]", "--out", out.toString()));
        assertEquals(2, SparkMain.run("sweep", "--model", dir.resolve("missing.gguf").toString(), "--saes", fx.saes.toString(),
                "--dataset", fx.dataset.toString(), "--positions", "-1", "--spark", "local[1]", "--out", out.toString()));
        assertEquals(2, sweep(out, "local[1]", "--spark-conf", FaultInjection.HOW + "=exit", "--spark-conf",
                FaultInjection.PARTITION + "=0"));
        assertEquals(2, sweep(out, "local[1]", "--resume"));
    }
}
