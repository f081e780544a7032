package io.llamasae.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.llamasae.io.AtomicFiles;
import io.llamasae.report.StudyJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a validation run into a folder: the JSON, {@code validation.md} and the PNG, each atomically. */
public final class ValidationReportWriter {
    public static final String MARKDOWN_NAME = "validation.md";

    private ValidationReportWriter() {}

    /** Returns the written file names. */
    public static List<String> write(Path dir, ValidationResult r, boolean plots) {
        List<String> names = new ArrayList<>();
        String json = ValidationJson.fileName(r.config());
        try {
            AtomicFiles.writeString(dir.resolve(json), StudyJson.MAPPER.writeValueAsString(ValidationJson.render(r)) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + json + ": " + e.getMessage(), e);
        }
        names.add(json);
        String png = plots ? ValidationPlots.write(dir, r) : null;
        if (png != null) names.add(png);
        AtomicFiles.writeString(dir.resolve(MARKDOWN_NAME), ValidationMarkdown.render(r, png));
        names.add(MARKDOWN_NAME);
        return names;
    }
}
