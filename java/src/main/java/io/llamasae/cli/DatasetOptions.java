package io.llamasae.cli;

import io.llamasae.data.Dataset;
import io.llamasae.data.DatasetFormat;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The dataset options shared by the commands that read prompts ({@code @Mixin}). */
public final class DatasetOptions {
    @Option(names = "--dataset", required = true, description = "GSM8K jsonl, chain-of-thought jsonl or plain text (one prompt per line)")
    Path dataset;

    @Option(names = "--format", description = "Dataset format: gsm8k, cot or text, any case (default: detected from the first line)")
    DatasetFormat format;

    @Option(names = "--limit", converter = Converters.Positive.class, description = "Use only the first N samples")
    Integer limit;

    @Option(names = "--skip-bad", description = "Skip malformed dataset lines (counted and reported) instead of failing")
    boolean skipBad;

    /** Reads the dataset (summary to stderr) and applies --limit. */
    List<Sample> read() {
        DatasetReader.Options opts = DatasetReader.Options.defaults().withSkipBad(skipBad);
        if (format != null) opts = opts.withFormat(format);
        Dataset data = DatasetReader.read(dataset, opts);
        System.err.println(data.summary());
        return limit == null ? data.samples() : data.samples().subList(0, Math.min(limit, data.samples().size()));
    }

    Path file() {
        return dataset;
    }
}
