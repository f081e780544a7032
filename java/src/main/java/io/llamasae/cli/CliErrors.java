package io.llamasae.cli;

import io.llamasae.data.DatasetException;
import io.llamasae.engine.LlamaSaeException;
import io.llamasae.report.StoredFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Turns failures into one-line messages and exit codes: 2 for bad input (arguments, files,
 * data), 1 for anything unexpected (with the stack trace when LLAMA_SAE_DEBUG is set).
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int BAD_INPUT = 2;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        if (System.getenv("LLAMA_SAE_DEBUG") != null) ex.printStackTrace();
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (isBadInput(t)) {
            cl.getErr().println("llama-sae " + cl.getCommandName() + ": " + oneLine(t.getMessage()));
            cl.getErr().flush();
            return BAD_INPUT;
        }
        cl.getErr().println("llama-sae " + cl.getCommandName() + ": internal error: " + oneLine(String.valueOf(t))
                + " (set LLAMA_SAE_DEBUG=1 for the stack trace)");
        cl.getErr().flush();
        return 1;
    }

    /** Failures caused by what the user gave (files, options, data) rather than by a bug. */
    static boolean isBadInput(Throwable t) {
        return t instanceof LlamaSaeException || t instanceof IllegalArgumentException || t instanceof IOException
                || t instanceof DatasetException || t instanceof StoredFormatException;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println(prefix(cl) + oneLine(parseMessage(ex)) + " (see " + prefix(cl).replace(": ", "") + " --help)");
        cl.getErr().flush();
        return BAD_INPUT;
    }

    private static String prefix(CommandLine cl) {
        return cl.getParent() == null ? "llama-sae: " : "llama-sae " + cl.getCommandName() + ": ";
    }

    /** Picocli's refusals in the shape of every other one: what was expected and what was found. */
    static String parseMessage(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()) {
            List<String> names = new ArrayList<>();
            for (var a : m.getMissing()) names.add(a instanceof CommandLine.Model.OptionSpec o ? o.longestName() : a.paramLabel());
            return String.join(", ", names) + ": expected a value (required) but found none";
        }
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            String what = String.join(" ", u.getUnmatched());
            return "'" + what + "': expected " + (ex.getCommandLine().getParent() == null ? "a command (info, capture, ...)"
                    : "an option of " + ex.getCommandLine().getCommandName()) + " but found an unknown " + (what.startsWith("-") ? "option" : "argument");
        }
        if (ex instanceof CommandLine.MutuallyExclusiveArgsException) {
            return ex.getMessage().replaceFirst("^Error: ", "").replace(" are mutually exclusive (specify only one)",
                    ": expected only one of them but found both");
        }
        if (ex instanceof CommandLine.OverwrittenOptionException o) {
            var a = o.getOverwritten();
            return (a instanceof CommandLine.Model.OptionSpec os ? os.longestName() : a.paramLabel()) + ": expected once but found it given twice";
        }
        String msg = ex.getMessage();
        return msg.contains("expected") ? msg : msg + " (expected: see --help)";
    }

    /** A message on one line: the first line, with any further lines joined by "; ". */
    static String oneLine(String message) {
        if (message == null) return "(no message)";
        return String.join("; ", message.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }
}
