package io.llamasae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.io.AtomicFiles;
import io.llamasae.lm.GreedyAccuracy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae eval-lm}: greedy exact-answer accuracy of a model on chain-of-thought problems
 * through llama.cpp, overall, per operation and per chain length; optionally every generation as
 * JSON. Exit codes: 0 success, 2 bad input.
 */
@Command(name = "eval-lm", mixinStandardHelpOptions = true,
        description = "Greedy accuracy of a model on arithmetic problems (answer after ####), per operation and chain length.")
public final class EvalLmCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M.gguf", description = "model to evaluate")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "D", description = "problems (GSM8K or cot jsonl)")
    Path data;

    @Option(names = "--limit", description = "use the first N problems")
    Integer limit;

    @Option(names = "--max-tokens", defaultValue = "48", description = "new tokens per problem at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--out", paramLabel = "R.json", description = "write the accuracy and every generation here")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens: expected >= 1 but found " + maxTokens);
        if (out != null && (out.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize())
                || out.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize()))) {
            throw new IllegalArgumentException("--out " + out + ": expected a file that is not an input");
        }
        List<Sample> problems = DatasetReader.read(data).samples();
        if (limit != null) {
            if (limit < 1) throw new IllegalArgumentException("--limit: expected >= 1 but found " + limit);
            problems = problems.subList(0, Math.min(limit, problems.size()));
        }
        GreedyAccuracy acc;
        try (Progress bar = Progress.bar("eval-lm", problems.size())) {
            acc = GreedyAccuracy.measure(model, problems, maxTokens, threads, GreedyAccuracy.DEFAULT_BATCH, bar::stepTo);
        }
        System.out.println(model + ": " + acc.summary());
        if (out != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", model.toString());
            r.put("data", data.toString());
            r.putAll(acc.report(acc.n()));
            AtomicFiles.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        }
        return 0;
    }
}
