package io.llamasae.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeasibilityConfig;
import io.llamasae.analysis.SeedThresholds;
import io.llamasae.analysis.SoundThresholds;
import io.llamasae.io.AtomicFiles;
import io.llamasae.report.StoredFormatException;
import io.llamasae.report.StoredRelabeler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code classify}: relabels a stored analysis JSON without the model. Exit 0 on success, 2 on bad input. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Relabel a stored activation_analysis_*.json or feature_labels_*.json without the model.",
                "seed: recompute the reference labels from stored scores / detected patterns.",
                "sound: only minimum support can be decided from stored scores; the rest needs `analyze --mode sound`."})
public final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FILE", description = "stored analysis JSON")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the relabelled JSON")
    Path out;

    @Option(names = "--mode", defaultValue = "sound", paramLabel = "seed|sound", converter = Converters.Mode.class,
            description = "rules (default: ${DEFAULT-VALUE})")
    AnalysisMode mode;

    @Option(names = "--op-max", defaultValue = "70", converter = Converters.Percent.class, description = "seed: operation share must exceed this percent (${DEFAULT-VALUE})")
    double opMax;

    @Option(names = "--op-others", defaultValue = "30", converter = Converters.Percent.class, description = "seed: other operation shares must be below this percent (${DEFAULT-VALUE})")
    double opOthers;

    @Option(names = "--value-max", defaultValue = "50", converter = Converters.Percent.class, description = "seed: value percentage must exceed this (${DEFAULT-VALUE})")
    double valueMax;

    @Option(names = "--value-others", defaultValue = "20", converter = Converters.Percent.class, description = "seed: other value percentages must be below this (${DEFAULT-VALUE})")
    double valueOthers;

    @Option(names = "--min-support", defaultValue = "10", converter = Converters.NonNegative.class, description = "sound: active samples needed for a label (${DEFAULT-VALUE})")
    int minSupport;

    @Option(names = "--n-samples", defaultValue = "0", converter = Converters.NonNegativeLong.class, description = "dataset size for swap-pair feasibility (default: metadata.n_samples)")
    long nSamples;

    @Override
    public Integer call() {
        PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        PrintWriter outw = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        try {
            AnalysisMode m = mode;
            SeedThresholds seed = SeedThresholds.defaults().withOperation(opMax, opOthers).withValue(valueMax, valueOthers);
            SoundThresholds sound = SoundThresholds.defaults().withMinSupport(minSupport);
            JsonNode root = read(from);
            StoredRelabeler.Outcome o = StoredRelabeler.relabel(root, from.toString(), m, seed, sound, FeasibilityConfig.defaults(), nSamples);
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            AtomicFiles.writeString(out, mapper.writeValueAsString(o.document()) + "\n");
            outw.printf("classify (%s): %d features in %s, %d labels differ from the stored ones; wrote %s%n", m.label(), o.features(),
                    o.kind(), o.changed(), out);
            o.notes().forEach(n -> outw.println("note: " + n));
            outw.flush();
            return 0;
        } catch (IllegalArgumentException | StoredFormatException | UncheckedIOException | JsonProcessingException e) {
            err.println("llama-sae classify: " + CliErrors.oneLine(e.getMessage()));
            err.flush();
            return 2;
        }
    }

    private static JsonNode read(Path p) {
        try {
            return new ObjectMapper().readTree(Files.readString(p));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(p + ": --from: expected an existing file but found nothing there");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(p + ": text: expected UTF-8 but found invalid UTF-8 bytes");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(p + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(p + ": cannot read: " + e.getMessage());
        }
    }
}
