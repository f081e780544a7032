package io.llamasae.hardening;

import java.nio.file.Path;
import java.util.List;

/**
 * One input of the hardening corpus: a command line, what must happen, and what must survive it.
 *
 * @param id      unique name, e.g. {@code gguf/kv/llama.block_count=0/info}
 * @param group   corpus section (gguf, safetensors, sae, dataset, options, outputs, process)
 * @param args    the CLI arguments ({@code llama-sae <args>})
 * @param want    what a correct run does
 * @param mention fragments a refusal's message must contain besides "expected" (the file or
 *                option it names, the field); empty = any subject
 * @param check   for an accepted run, verifies its result (null when exit 0 alone is the result)
 * @param protect files and folders whose bytes must be the same after the run (its inputs, and
 *                outputs of earlier runs a refused one must not touch)
 */
record CorpusCase(String id, String group, List<String> args, Want want, List<String> mention, Check check, List<Path> protect) {
    /** What a correct run does. */
    enum Want {
        /** Exit 2 with a one-line message naming the file or option, the field and what was expected. */
        REFUSE,
        /** Exit 0, and {@link #check} passes. */
        ACCEPT,
        /**
         * Either is correct: the input is unusual but legitimate for llama.cpp (e.g. a weight stored
         * in another valid type), so a refusal must still have the message shape and an acceptance
         * must pass {@link #check}.
         */
        EITHER
    }

    /** Verifies an accepted run; returns null when its result is right, else what is wrong. */
    @FunctionalInterface
    interface Check {
        String verify(Outcome o) throws Exception;
    }

    /** What a run did. */
    record Outcome(int exit, String out, String err, long millis, boolean crashed, String crash) {
        /** The last non-empty stderr line: the one-line message of a refusal. */
        String errorLine() {
            return err.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("");
        }
    }

    static CorpusCase refuse(String id, String group, List<String> args, List<String> mention, List<Path> protect) {
        return new CorpusCase(id, group, args, Want.REFUSE, mention, null, protect);
    }

    static CorpusCase accept(String id, String group, List<String> args, Check check, List<Path> protect) {
        return new CorpusCase(id, group, args, Want.ACCEPT, List.of(), check, protect);
    }

    static CorpusCase either(String id, String group, List<String> args, List<String> mention, Check check, List<Path> protect) {
        return new CorpusCase(id, group, args, Want.EITHER, mention, check, protect);
    }
}
