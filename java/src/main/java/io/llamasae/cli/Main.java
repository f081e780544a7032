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
     * The configured command line; other entry points pass their own subcommands (the Spark
     * module's {@code SparkMain}), which then get the same configuration. Everything every
     * command shares is set here, so a new subcommand inherits it: enum options accept any case
     * (the README writes them in lower case), numbers are parsed by {@link Converters} (finite,
     * with the option named in a refusal), path options are checked by {@link PathChecks} before
     * the command runs and its inputs stay protected from its writes, and every failure is one
     * line on stderr with exit code 2 for bad input ({@link CliErrors}). The native encoder is
     * registered as the default encoder.
     */
    public static CommandLine commandLine(Object... extraSubcommands) {
        registerNativeEncoder();
        CommandLine cl = new CommandLine(new Main());
        for (Object c : extraSubcommands) cl.addSubcommand(c);  // before the settings below: picocli applies them to the tree as it is
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        Converters.registerDefaults(cl);
        cl.setExecutionStrategy(Main::executeChecked);
        cl.setExecutionExceptionHandler(new CliErrors());
        cl.setParameterExceptionHandler(new CliErrors());
        return cl;
    }

    private static int executeChecked(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) leaf = leaf.subcommand();
        if (leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()) return new CommandLine.RunLast().execute(parsed);
        PathChecks.Roles roles = PathChecks.check(leaf.commandSpec().commandLine());
        try (AutoCloseable guard = io.llamasae.io.AtomicFiles.protect(roles.inputPaths())) {
            return new CommandLine.RunLast().execute(parsed);
        } catch (CommandLine.ExecutionException | CommandLine.ParameterException e) {
            throw e;
        } catch (Exception e) {  // closing the guard cannot fail
            throw new IllegalStateException(e);
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean NATIVE_ENCODER = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Makes the native CPU kernel the default encoder when the natives load (-Dllama.sae.encoder=java
     * falls back). Once per process: the shared encoder keeps its native SAE copies across runs.
     */
    static void registerNativeEncoder() {
        if (NATIVE_ENCODER.getAndSet(true) || !io.llamasae.engine.NativeLibrary.isAvailable()) return;
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
