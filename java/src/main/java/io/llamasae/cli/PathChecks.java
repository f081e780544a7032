package io.llamasae.cli;

import io.llamasae.io.AtomicFiles;
import io.llamasae.io.InputFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Checks the path options of every command before it runs, from picocli's model of the command,
 * so commands added later get the same checks without code of their own:
 * <ul>
 *   <li>an output is an option whose longest name is {@code --out} or ends in {@code -out}
 *       ({@code --codes-out}; not {@code --heldout}) or whose field is marked {@link Output}; every other option holding a
 *       {@link Path} is an input;</li>
 *   <li>an input must exist and be a regular file or a folder (a named pipe would block forever);</li>
 *   <li>an output must not be an input, lie inside an input folder, or equal another output
 *       (compared as real paths: links and {@code ..} resolved).</li>
 * </ul>
 * The inputs then stay protected while the command runs ({@link AtomicFiles#protect}), so no write
 * the checks cannot foresee (a file a command writes into its output folder) replaces one either.
 */
final class PathChecks {
    private PathChecks() {}

    record Named(String option, Path path) {}

    /** The command's inputs and outputs as given (defaults included). */
    record Roles(List<Named> inputs, List<Named> outputs) {
        List<Path> inputPaths() {
            return inputs.stream().map(Named::path).toList();
        }
    }

    static Roles roles(CommandLine.Model.CommandSpec spec) {
        List<Named> in = new ArrayList<>();
        List<Named> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            Object v = o.getValue();
            List<Path> paths = new ArrayList<>();
            if (v instanceof Path p) paths.add(p);
            else if (v instanceof Collection<?> c) c.forEach(e -> { if (e instanceof Path p) paths.add(p); });
            else if (v instanceof Path[] arr) paths.addAll(List.of(arr));
            for (Path p : paths) (isOutput(o) ? out : in).add(new Named(o.longestName(), p));
        }
        return new Roles(in, out);
    }

    static boolean isOutput(OptionSpec o) {
        String name = o.longestName();
        return name.equals("--out") || name.endsWith("-out") || o.userObject() instanceof java.lang.reflect.Field f && f.isAnnotationPresent(Output.class);
    }

    /** Throws a {@link CommandLine.ParameterException} naming the option when a check fails. */
    static Roles check(CommandLine cl) {
        Roles r = roles(cl.getCommandSpec());
        for (Named i : r.inputs()) {
            String kind = InputFiles.kind(i.path());
            if (!kind.equals("a regular file") && !kind.equals("a folder")) {
                throw new CommandLine.ParameterException(cl, i.option() + ": expected an existing file or folder but found "
                        + kind + " at " + i.path());
            }
        }
        List<Named> outs = r.outputs();
        for (int a = 0; a < outs.size(); a++) {
            Path out = AtomicFiles.realOrAbsolute(outs.get(a).path());
            for (Named i : r.inputs()) {
                Path in = AtomicFiles.realOrAbsolute(i.path());
                if (out.equals(in)) {
                    throw new CommandLine.ParameterException(cl, outs.get(a).option() + ": expected an output path that is not an input "
                            + "but it is the " + i.option() + " input " + i.path() + " (writing it would destroy the input)");
                }
                if (out.startsWith(in) && Files.isDirectory(in)) {
                    throw new CommandLine.ParameterException(cl, outs.get(a).option() + ": expected an output path outside the "
                            + i.option() + " input folder " + i.path() + " but found " + outs.get(a).path());
                }
            }
            for (int b = a + 1; b < outs.size(); b++) {
                if (out.equals(AtomicFiles.realOrAbsolute(outs.get(b).path()))) {
                    throw new CommandLine.ParameterException(cl, outs.get(b).option() + ": expected a path other than "
                            + outs.get(a).option() + " (both name " + outs.get(a).path() + ")");
                }
            }
        }
        return r;
    }
}
