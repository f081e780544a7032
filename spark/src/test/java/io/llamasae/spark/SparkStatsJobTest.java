package io.llamasae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.NativeLibrary;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job against the single-process run on the same inputs: statistics and metrics files byte-identical
 * (so every number bit-identical), codes shards equal to the single-process codes, also when a task fails its first
 * attempt and Spark retries it.
 */
class SparkStatsJobTest {
    static final int SAMPLES = 88;   // 11 batches of 8
    static final int BATCH = 8;
    static final int POSITION = -1;

    @TempDir
    static Path dir;
    static SparkFixture fx;
    static Path baseline;
    static Map<String, ByteArrayOutputStream> baselineCodes = new TreeMap<>();

    @BeforeAll
    static void singleProcessBaseline() throws Exception {
        assertTrue(NativeLibrary.isAvailable(), () -> "the engine natives must load for the Spark tests: " + NativeLibrary.loadError());
        fx = new SparkFixture(dir, SAMPLES);
        List<Sample> samples = DatasetReader.read(fx.dataset, DatasetReader.Options.defaults()).samples();
        Map<Integer, String> saes = new TreeMap<>();
        Map<Integer, Integer> names = new TreeMap<>();
        for (int b = 0; b < SparkFixture.BLOCKS; b++) {
            saes.put(b, fx.saes.resolve("layer" + b).toString());
            names.put(b, b);
        }
        EngineSpec spec = new EngineSpec(fx.model.toString(), saes, null, null, 0, BATCH);
        BlockStatistics stats = new BlockStatistics();
        try (LoadedEngine e = spec.open(Device.cpu(0))) {   // all cores: the thread count must not matter either
            // the single-process baseline: one pass over the whole dataset
            PassSpec pass = PassSpec.builder(CaptureSpec.of(new ArrayList<>(e.saes().keySet()), List.of(POSITION))).saes(e.saes())
                    .outputs(PassOutput.CODES, PassOutput.STATISTICS, PassOutput.METRICS).topN(100).batchSize(BATCH).build();
            List<Integer> blocks = new ArrayList<>(e.saes().keySet());
            PassResult r = Pass.run(e.engine(), pass, PassInput.tokenize(e.engine(), samples.stream().map(Sample::id).toList(),
                    samples.stream().map(Sample::prompt).toList(), 0), new PassConsumer() {
                        @Override
                        public void accept(PassBatch batch) {
                            for (int slot = 0; slot < blocks.size(); slot++) {
                                ByteBuffer idx = batch.result().codeBytes(slot, 0)[0];
                                byte[] bytes = new byte[idx.remaining()];
                                idx.get(bytes);
                                baselineCodes.computeIfAbsent("layer" + blocks.get(slot) + ".pos" + POSITION + ".indices",
                                        n -> new ByteArrayOutputStream()).writeBytes(bytes);
                            }
                        }
                    });
            for (int b : blocks) stats.put(b, r.statistics(b, RowBlock.position(POSITION)), r.metrics(b, RowBlock.position(POSITION)));
        }
        baseline = dir.resolve("baseline");
        StatsReport.write(baseline, stats, names, "llama.cpp", POSITION, samples.stream().map(Sample::id).toList());
    }

    private static int sparkStats(Path out, String master, String... extra) {
        List<String> args = new ArrayList<>(List.of("spark-stats", "--model", fx.model.toString(), "--saes", fx.saes.toString(),
                "--dataset", fx.dataset.toString(), "--position", Integer.toString(POSITION), "--batch", Integer.toString(BATCH),
                "--partitions", "5", "--spark", master, "--codes", "--out", out.toString()));
        args.addAll(List.of(extra));
        return SparkMain.run(args.toArray(String[]::new));
    }

    private static void assertSameStatistics(Path out) throws Exception {
        for (int b = 0; b < SparkFixture.BLOCKS; b++) {
            String name = StatsReport.fileName(b, POSITION);
            assertArrayEquals(Files.readAllBytes(baseline.resolve(name)), Files.readAllBytes(out.resolve(name)), name + " differs");
        }
    }

    /** Concatenates the committed shards in manifest order and compares the codes with the single-process run's. */
    private static JsonNode assertSameCodes(Path out, int partitions) throws Exception {
        Path shards = out.resolve("shards");
        JsonNode manifest = new ObjectMapper().readTree(shards.resolve("manifest.json").toFile());
        assertEquals(ShardCommitter.FORMAT, manifest.get("format").asText());
        assertEquals(SAMPLES, manifest.get("samples").asInt());
        assertEquals(partitions, manifest.get("partitions").size());
        Map<String, ByteArrayOutputStream> codes = new TreeMap<>();
        int expectFirst = 0;
        for (JsonNode p : manifest.get("partitions")) {
            assertEquals(expectFirst, p.get("first_sample").asInt());
            assertEquals(0, p.get("first_sample").asInt() % BATCH, "partitions start on batch boundaries");
            expectFirst += p.get("samples").asInt();
            assertEquals(1, p.get("files").size());
            try (SafetensorsReader r = SafetensorsReader.open(shards.resolve(p.get("files").get(0).asText()))) {
                assertEquals(p.get("first_sample").asText(), r.metadata().get("first_sample"));
                for (String t : baselineCodes.keySet()) {
                    ByteBuffer b = ByteBuffer.allocate(r.readInts(t).length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.asIntBuffer().put(r.readInts(t));
                    codes.computeIfAbsent(t, n -> new ByteArrayOutputStream()).writeBytes(b.array());
                }
            }
        }
        assertEquals(SAMPLES, expectFirst);
        for (String t : baselineCodes.keySet()) {
            assertArrayEquals(baselineCodes.get(t).toByteArray(), codes.get(t).toByteArray(), t);
        }
        assertFalse(Files.exists(shards.resolve("_temporary")), "attempt folders are removed");
        try (var files = Files.list(shards)) {
            assertEquals(partitions + 1, files.count(), "one shard per partition plus the manifest, nothing else");
        }
        return manifest;
    }

    @Test
    void fivePartitionsOnTwoExecutorThreadsEqualTheSingleProcessRun() throws Exception {
        Path out = dir.resolve("spark");
        int opened = EngineCache.opened();
        int leased = EngineCache.leased();
        assertEquals(0, sparkStats(out, "local[2]"));
        assertSameStatistics(out);
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
        assertEquals(0, sparkStats(out, "local[2,2]", "--spark-conf", FaultInjection.PARTITION + "=2",
                "--spark-conf", FaultInjection.WHEN + "=before-commit"));
        assertSameStatistics(out);
        assertSameCodes(out, 5);
        JsonNode parts = new ObjectMapper().readTree(out.resolve("spark_summary.json").toFile()).get("partitions");
        for (JsonNode p : parts) {
            assertEquals(p.get("index").asInt() == 2 ? 1 : 0, p.get("attempt").asInt(), "attempt of partition " + p.get("index"));
        }
        // Without retries the same hook fails the job, and no manifest claims a result.
        Path failed = dir.resolve("failed");
        assertNotEquals(0, sparkStats(failed, "local[2]", "--spark-conf", FaultInjection.PARTITION + "=1",
                "--spark-conf", FaultInjection.WHEN + "=start"));
        assertFalse(Files.exists(failed.resolve("shards/manifest.json")));
        assertFalse(Files.exists(failed.resolve("shards/_temporary")));
    }

    @Test
    void badInputIsExitCodeTwo() throws Exception {
        Path out = dir.resolve("bad");
        Path noSaes = Files.createDirectories(dir.resolve("empty-saes"));
        assertEquals(2, SparkMain.run("spark-stats", "--model", fx.model.toString(), "--saes", noSaes.toString(), "--dataset",
                fx.dataset.toString(), "--position", "-1", "--spark", "local[1]", "--out", out.toString()));
        assertEquals(2, SparkMain.run("spark-stats", "--model", dir.resolve("missing.gguf").toString(), "--saes", fx.saes.toString(),
                "--dataset", fx.dataset.toString(), "--position", "-1", "--spark", "local[1]", "--out", out.toString()));
        assertEquals(2, sparkStats(out, "local[1]", "--spark-conf", FaultInjection.HOW + "=exit", "--spark-conf",
                FaultInjection.PARTITION + "=0"));
    }
}
