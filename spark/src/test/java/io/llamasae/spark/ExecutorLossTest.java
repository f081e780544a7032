package io.llamasae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.engine.NativeLibrary;
import io.llamasae.report.FeatureStatsJson;
import io.llamasae.sweep.SweepSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A killed executor: on Spark's local-cluster master (each executor its own JVM, launched by an in-process standalone
 * worker) the test hook halts the executor running partition 1's first attempt. Spark loses the executor, reruns the
 * task elsewhere, and the sweep's statistics, summary and shards equal an undisturbed run's byte for byte.
 *
 * <p>Executors are launched from {@code $SPARK_HOME} (surefire points it at {@code target/spark-home}, made here with
 * an empty {@code jars/}) with this test JVM's class path as their extra class path.
 */
class ExecutorLossTest {
    @TempDir
    static Path dir;

    private static int run(SparkFixture fx, Path out, String... extra) {
        String cp = System.getProperty("java.class.path");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("sweep", "--model", fx.model.toString(),
                "--saes", fx.saes.toString(), "--dataset", fx.dataset.toString(), "--positions", "-1", "--batch", "8",
                "--ce-samples", "16", "--no-dashboard", "--no-plots", "--ranks", "1-40,41-96",
                "--partitions", "3", "--codes", "--spark", "local-cluster[2,1,1024]",
                "--spark-conf", "spark.executor.extraClassPath=" + cp,
                "--spark-conf", "spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile"),
                "--out", out.toString()));
        args.addAll(java.util.List.of(extra));
        return SparkMain.run(args.toArray(String[]::new));
    }

    @Test
    void aKilledExecutorsTaskIsRerunAndTheResultIsIdentical() throws Exception {
        assertTrue(NativeLibrary.isAvailable(), () -> "the engine natives must load for the Spark tests: " + NativeLibrary.loadError());
        String home = System.getenv("SPARK_HOME");
        assertTrue(home != null, "SPARK_HOME must be set (surefire sets it to target/spark-home)");
        Files.createDirectories(Path.of(home, "jars"));
        Files.writeString(Path.of(home, "RELEASE"), "llama-sae test: executors run on the test class path\n");
        SparkFixture fx = new SparkFixture(dir, 48);   // 6 batches of 8 in 3 partitions

        Path clean = dir.resolve("clean");
        assertEquals(0, run(fx, clean));
        Path killed = dir.resolve("killed");
        assertEquals(0, run(fx, killed, "--spark-conf", FaultInjection.PARTITION + "=1", "--spark-conf", FaultInjection.HOW + "=exit",
                "--spark-conf", FaultInjection.WHEN + "=before-commit"));

        for (int b = 0; b < SparkFixture.BLOCKS; b++) {
            String name = "layer" + b + "_pos-1/" + FeatureStatsJson.statsFileName(b, -1);
            assertArrayEquals(Files.readAllBytes(clean.resolve(name)), Files.readAllBytes(killed.resolve(name)), name);
        }
        assertArrayEquals(Files.readAllBytes(clean.resolve(SweepSummary.JSON_NAME)), Files.readAllBytes(killed.resolve(SweepSummary.JSON_NAME)));
        for (int p = 0; p < 3; p++) {
            String shard = "shards/part-0000" + p + ".codes.safetensors";
            assertArrayEquals(Files.readAllBytes(clean.resolve(shard)), Files.readAllBytes(killed.resolve(shard)), shard);
        }
        JsonNode parts = new ObjectMapper().readTree(killed.resolve("spark_summary.json").toFile()).get("partitions");
        assertEquals(1, parts.get(1).get("attempt").asInt(), "partition 1 was merged from its second attempt");
        assertFalse(Files.exists(killed.resolve("shards/_temporary")));
    }
}
