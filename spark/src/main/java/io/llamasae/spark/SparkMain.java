package io.llamasae.spark;

import io.llamasae.cli.Main;
import picocli.CommandLine;

/**
 * Entry point with Spark on the class path: every {@code llama-sae} command, with {@code --spark} available to the
 * commands that run as Spark jobs ({@code sweep}). Used by
 * {@code spark-submit --class io.llamasae.spark.SparkMain llama-sae-spark.jar <command> ...} (the master comes from
 * spark-submit) and by the launcher for {@code ./llama-sae <command> ... --spark local[4]} (embedded Spark).
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs a command and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = Main.commandLine();
        return cl.execute(args);
    }
}
