package io.llamasae.report;

import io.llamasae.io.AtomicFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.StudyResult;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a study's outputs into one directory, each file atomically:
 * {@code activation_analysis_layer{L}_pos{P}_rank{a}-{b}.json} per band,
 * {@code feature_labels_layer{L}_pos{P}.json}, PNG plots per layer, and
 * {@code feature-specialization-report.md} covering every result given.
 */
public final class StudyReportWriter {
    public static final String REPORT_NAME = "feature-specialization-report.md";

    private StudyReportWriter() {
    }

    /** Returns the paths written. */
    public static List<Path> write(Path outDir, StudyResult... perLayer) {
        return write(outDir, Arrays.asList(perLayer), true);
    }

    /** {@code plots=false} skips the PNGs (faster, no AWT). */
    public static List<Path> write(Path outDir, List<StudyResult> perLayer, boolean plots) {
        return write(outDir, perLayer, plots, TokenContexts.NONE);
    }

    /** As above; {@code contexts} shows the activating token in the text the model read and links the dashboard. */
    public static List<Path> write(Path outDir, List<StudyResult> perLayer, boolean plots, TokenContexts contexts) {
        if (perLayer.isEmpty()) {
            throw new IllegalArgumentException("report: expected at least one study result but found none");
        }
        List<Path> written = new ArrayList<>();
        Map<StudyResult, List<String>> pngs = new IdentityHashMap<>();
        for (StudyResult r : perLayer) {
            for (BandResult b : r.bands()) {
                Path p = outDir.resolve(StudyJson.activationAnalysisFileName(r.config(), b));
                writeJson(p, StudyJson.activationAnalysis(r, b));
                written.add(p);
            }
            Path labels = outDir.resolve(StudyJson.featureLabelsFileName(r.config()));
            writeJson(labels, StudyJson.featureLabels(r));
            written.add(labels);
            if (plots) {
                List<String> names = StudyPlots.write(outDir, r);
                pngs.put(r, names);
                names.forEach(n -> written.add(outDir.resolve(n)));
            }
        }
        Path md = outDir.resolve(REPORT_NAME);
        AtomicFiles.writeString(md, MarkdownReport.render(perLayer, pngs, contexts));
        written.add(md);
        return written;
    }

    static void writeJson(Path p, JsonNode node) {
        try {
            AtomicFiles.writeString(p, StudyJson.MAPPER.writeValueAsString(node) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialise " + p + ": " + e.getMessage(), e);
        }
    }
}
