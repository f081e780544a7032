package io.llamasae.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code llama-sae}: the command-line entry point; one class per subcommand. */
@Command(name = "llama-sae", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Sparse-autoencoder feature analysis inside llama.cpp's forward pass.",
        subcommands = {InfoCommand.class, CaptureCommand.class, TrainCommand.class, EncodeCommand.class,
                StatsCommand.class, ClassifyCommand.class, AnalyzeCommand.class, InterveneCommand.class,
                ValidateCommand.class, SweepCommand.class, DemoCommand.class, SynthCommand.class, TrainLmCommand.class,
                EvalLmCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The configured command line (native encoder registered, one-line errors with exit code 2 for bad input); other
     * entry points add their own subcommands to it (the Spark module's {@code SparkMain}).
     */
    public static CommandLine commandLine() {
        registerNativeEncoder();
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new CliErrors());
        cl.setParameterExceptionHandler(new CliErrors());
        return cl;
    }

    /** Makes the native CPU kernel the default encoder when the natives load (-Dllama.sae.encoder=java falls back). */
    static void registerNativeEncoder() {
        if (!io.llamasae.engine.NativeLibrary.isAvailable()) return;
        io.llamasae.sae.Encoders.register("native", () -> new io.llamasae.engine.NativeEncoder(0));
        if (System.getProperty(io.llamasae.sae.Encoders.PROPERTY) == null) System.setProperty(io.llamasae.sae.Encoders.PROPERTY, "native");
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"llama-sae 0.1.0"};
        }
    }
}
