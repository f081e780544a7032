package io.llamasae.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The samples read from one file plus everything that was not taken at face value.
 *
 * @param file               source file
 * @param format             format used (detected or forced)
 * @param samples            samples in file order
 * @param skippedLines       "file:line: reason" for lines skipped under {@code skipBad}
 * @param unparsedEquations  "file:line: reason" for equations that did not parse (the sample is kept)
 */
public record Dataset(Path file, DatasetFormat format, List<Sample> samples, List<String> skippedLines,
                      List<String> unparsedEquations) {
    public Dataset {
        samples = List.copyOf(samples);
        skippedLines = List.copyOf(skippedLines);
        unparsedEquations = List.copyOf(unparsedEquations);
    }

    /** One line for logs: "1319 samples (gsm8k), 0 lines skipped, 2 equations unparsed". */
    public String summary() {
        return samples.size() + " samples (" + format.name().toLowerCase(java.util.Locale.ROOT) + "), "
                + skippedLines.size() + " lines skipped, " + unparsedEquations.size() + " equations unparsed";
    }
}
