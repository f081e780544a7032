package io.llamasae.cli;

import io.llamasae.data.DatasetException;
import io.llamasae.engine.LlamaSaeException;
import io.llamasae.report.StoredFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
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
        if (t instanceof LlamaSaeException || t instanceof IllegalArgumentException || t instanceof IOException
                || t instanceof DatasetException || t instanceof StoredFormatException) {
            cl.getErr().println("llama-sae " + cl.getCommandName() + ": " + t.getMessage());
            return BAD_INPUT;
        }
        cl.getErr().println("llama-sae " + cl.getCommandName() + ": internal error: " + t);
        return 1;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        ex.getCommandLine().getErr().println("llama-sae: " + ex.getMessage());
        ex.getCommandLine().getErr().println("(see llama-sae " + ex.getCommandLine().getCommandName() + " --help)");
        return BAD_INPUT;
    }
}
