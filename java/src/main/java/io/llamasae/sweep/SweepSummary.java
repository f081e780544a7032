package io.llamasae.sweep;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.io.AtomicFiles;
import io.llamasae.report.StudyJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what a sweep says across layers: {@code sweep_summary.json} (one entry per grid point × layer × position, see
 * {@link SweepEntry#toJson}), {@code sweep.md} ({@link SweepMarkdown}), the heatmaps as PNG and {@code sweep.html}
 * (the heatmaps as tables linking into each grid point's dashboard).
 */
public final class SweepSummary {
    public static final String JSON_NAME = "sweep_summary.json";
    public static final String MARKDOWN_NAME = "sweep.md";
    public static final String HTML_NAME = "sweep.html";
    static final String[] HEATMAP_NAMES = {"heatmap_specialized_by_band", "heatmap_operations", "heatmap_metrics"};

    private SweepSummary() {}

    /**
     * The (layer, position) entries of one SAE grid point.
     *
     * @param label     "k32-f512" for a grid point of {@code --train} grids, or null for a sweep of given SAEs
     * @param dir       the grid point's folder relative to the sweep's output ("" for the output itself)
     * @param entries   in depth order, positions in the order given
     * @param dashboard whether the grid point's folder holds a dashboard
     */
    public record GridPoint(String label, String dir, List<SweepEntry> entries, boolean dashboard) {
        String prefix() {
            return dir.isEmpty() ? "" : dir + "/";
        }

        String suffix() {
            return label == null ? "" : "_" + label;
        }
    }

    /** What the summary says about its inputs (free text for the Markdown). */
    public record Inputs(String model, String dataset, int samples, String mode, String convention, String saes, String splice,
                         String passNote) {}

    /** Writes the summary files into {@code out}; returns them. */
    public static List<Path> write(Path out, List<GridPoint> points, Inputs inputs, boolean plots) {
        List<Path> written = new ArrayList<>();
        ArrayNode all = StudyJson.MAPPER.createArrayNode();
        for (GridPoint p : points) {
            for (SweepEntry e : p.entries()) {
                ObjectNode o = e.toJson();
                if (p.label() != null) o.put("grid", p.label());
                o.put("dir", p.prefix() + SweepReport.layerDir(e.layer(), e.position()));
                all.add(o);
            }
        }
        Path json = out.resolve(JSON_NAME);
        AtomicFiles.writeString(json, all.toPrettyString() + "\n");
        written.add(json);
        List<List<String>> pngs = new ArrayList<>();
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>llama-sae sweep</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}table.heat{border-collapse:collapse;margin-bottom:2em}"
                + "table.heat td,table.heat th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + "table.heat th{background:#fafafa}</style></head><body>\n<h1>Sweep: " + SweepHeatmaps.escape(inputs.model()) + "</h1>\n");
        for (GridPoint p : points) {
            List<String> names = new ArrayList<>();
            if (p.label() != null) html.append("<h1>SAEs ").append(p.label()).append("</h1>\n");
            List<SweepHeatmaps.Grid> grids = SweepHeatmaps.grids(p.entries());
            for (int g = 0; g < grids.size(); g++) {
                String name = HEATMAP_NAMES[g] + p.suffix() + ".png";
                if (plots) {
                    SweepHeatmaps.writePng(grids.get(g), out.resolve(name));
                    written.add(out.resolve(name));
                    names.add(name);
                }
                html.append(SweepHeatmaps.html(grids.get(g), p.dashboard() ? p.prefix() + "dashboard/index.html" : null));
            }
            pngs.add(names);
        }
        Path htmlFile = out.resolve(HTML_NAME);
        AtomicFiles.writeString(htmlFile, html.append("</body></html>\n").toString());
        written.add(htmlFile);
        Path md = out.resolve(MARKDOWN_NAME);
        AtomicFiles.writeString(md, SweepMarkdown.render(points, inputs, pngs));
        written.add(md);
        return written;
    }
}
