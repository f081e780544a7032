package io.llamasae.sweep;

import io.llamasae.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * The sweep's heatmaps, rows = (layer, position) in depth order: as PNG (XChart, headless) for the Markdown report, and
 * as HTML tables in {@code sweep.html} whose row headers link into the dashboard
 * ({@code dashboard/index.html#layer=L&pos=P}). Three grids:
 * <ul>
 *   <li>layer × rank band: share of the band's analysed features with a specialized label;</li>
 *   <li>layer × operation: live features tied to the operation ({@link SweepEntry#enrichedOperations});</li>
 *   <li>layer × metric: each metric scaled to its range over the rows (the colour), the value written in the cell.</li>
 * </ul>
 */
public final class SweepHeatmaps {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private SweepHeatmaps() {}

    /** A grid of values: rows (layer, position), columns, values (NaN: no value). */
    public record Grid(String title, String valueLabel, List<SweepEntry> rows, List<String> columns, double[][] values, boolean scaledPerColumn) {
        /**
         * The colour value of a cell in [0, 1] (scaled per column, else relative to the grid's largest value, 1 for
         * shares), NaN without a value.
         */
        double shade(int r, int c) {
            double v = values[r][c];
            if (!Double.isFinite(v)) return Double.NaN;
            if (!scaledPerColumn) {
                double max = 1;
                for (double[] row : values) for (double x : row) if (Double.isFinite(x)) max = Math.max(max, x);
                return Math.max(0, v / max);
            }
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] row : values) {
                if (Double.isFinite(row[c])) {
                    lo = Math.min(lo, row[c]);
                    hi = Math.max(hi, row[c]);
                }
            }
            return hi > lo ? (v - lo) / (hi - lo) : 0.5;
        }
    }

    /** The metrics of the layer × metric grid, in column order. */
    static final List<String> METRICS = List.of("explained_variance", "mse", "l0", "dead_fraction", "ce_loss_recovered", "spliced_kl",
            "specialized_share", "rare_features");

    static double metric(SweepEntry e, String name) {
        return switch (name) {
            case "explained_variance" -> e.metrics().explainedVariance();
            case "mse" -> e.metrics().mse();
            case "l0" -> e.metrics().l0();
            case "dead_fraction" -> e.metrics().deadFraction();
            case "ce_loss_recovered" -> e.splice() == null ? Double.NaN : e.splice().ceLossRecovered();
            case "spliced_kl" -> e.splice() == null ? Double.NaN : e.splice().splicedKl();
            case "specialized_share" -> e.liveFeatures() == 0 ? Double.NaN : (double) e.specializedFeatures() / e.liveFeatures();
            case "rare_features" -> e.rareFeatures();
            default -> throw new IllegalArgumentException("unknown metric " + name);
        };
    }

    /** The three grids of a sweep's entries. */
    public static List<Grid> grids(List<SweepEntry> entries) {
        List<Grid> out = new ArrayList<>();
        List<String> bands = new ArrayList<>(entries.get(0).specializedShareByBand().keySet());
        out.add(grid("Share of specialized features by rank band", "share specialized", entries, bands,
                (e, c) -> e.specializedShareByBand().getOrDefault(bands.get(c), Double.NaN), false));
        List<String> ops = new ArrayList<>(entries.get(0).enrichedOperations().keySet());
        Grid opGrid = grid("Features tied to each operation (" + entries.get(0).layerWide().config().mode().label() + " mode)", "features",
                entries, ops, (e, c) -> e.enrichedOperations().get(ops.get(c)), false);
        out.add(opGrid);
        out.add(grid("SAE metrics by layer (colour: each metric scaled to its range over the rows)", "value", entries, METRICS,
                (e, c) -> metric(e, METRICS.get(c)), true));
        return out;
    }

    private interface Cell {
        double value(SweepEntry e, int column);
    }

    private static Grid grid(String title, String label, List<SweepEntry> entries, List<String> columns, Cell cell, boolean scaled) {
        double[][] v = new double[entries.size()][columns.size()];
        for (int r = 0; r < entries.size(); r++) {
            for (int c = 0; c < columns.size(); c++) v[r][c] = cell.value(entries.get(r), c);
        }
        return new Grid(title, label, entries, columns, v, scaled);
    }

    static String rowLabel(SweepEntry e) {
        return "layer " + e.layer() + " · pos " + e.position();
    }

    /** Renders a grid as a PNG into {@code file}. */
    public static void writePng(Grid g, Path file) {
        int rows = g.rows().size();
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(640, 140 * g.columns().size() + 200)).height(Math.max(320, 36 * rows + 160))
                .title(g.title()).build();
        // Cells show their values where the colour is the value itself (shares, counts); per-column scaled colours
        // (metrics of different units) show none: the numbers are in sweep.md and sweep.html.
        boolean raw = !g.scaledPerColumn();
        chart.getStyler().setShowValue(raw);
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)});
        chart.getStyler().setHeatMapValueDecimalPattern("0.##");
        chart.getStyler().setLegendVisible(false);
        double max = 0;
        List<String> x = new ArrayList<>(g.columns());
        List<String> y = new ArrayList<>();
        for (int r = rows - 1; r >= 0; r--) y.add(rowLabel(g.rows().get(r)));   // the first row on top
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < x.size(); c++) {
                double s = g.shade(r, c);
                if (!Double.isFinite(s)) continue;
                double v = raw ? g.values()[r][c] : s;
                max = Math.max(max, v);
                cells.add(new Number[] {c, rows - 1 - r, v});
            }
        }
        if (cells.isEmpty()) cells.add(new Number[] {0, 0, 0.0});
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(raw ? Math.max(1, max) : 1);
        chart.addSeries(g.valueLabel(), x, y, cells);
        try {
            AtomicFiles.writeBytes(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }

    /** The grid as an HTML table: cells shaded like the PNG, row headers linking to the layer's dashboard section. */
    public static String html(Grid g, String dashboardIndex) {
        StringBuilder h = new StringBuilder();
        h.append("<h2>").append(escape(g.title())).append("</h2>\n<table class=\"heat\">\n<tr><th></th>");
        for (String c : g.columns()) h.append("<th>").append(escape(c)).append("</th>");
        h.append("</tr>\n");
        for (int r = 0; r < g.rows().size(); r++) {
            SweepEntry e = g.rows().get(r);
            h.append("<tr><th>");
            if (dashboardIndex != null) {
                h.append("<a href=\"").append(dashboardIndex).append("#layer=").append(e.layer()).append("&amp;pos=").append(e.position())
                        .append("\">").append(escape(rowLabel(e))).append("</a>");
            } else {
                h.append(escape(rowLabel(e)));
            }
            h.append("</th>");
            for (int c = 0; c < g.columns().size(); c++) {
                double v = g.values()[r][c];
                double s = g.shade(r, c);
                String bg = Double.isFinite(s) ? colour(s) : "#eeeeee";
                String fg = Double.isFinite(s) && s > 0.55 ? "#ffffff" : "#000000";
                h.append("<td style=\"background:").append(bg).append(";color:").append(fg).append("\">")
                        .append(Double.isFinite(v) ? format(v) : "–").append("</td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /** The three-stop blue scale of the PNGs, as a CSS colour. */
    static String colour(double s) {
        int[][] stops = {{0xF7, 0xFB, 0xFF}, {0x6B, 0xAE, 0xD6}, {0x08, 0x30, 0x6B}};
        double t = Math.max(0, Math.min(1, s)) * 2;
        int i = Math.min(1, (int) t);
        double f = t - i;
        int[] rgb = new int[3];
        for (int k = 0; k < 3; k++) rgb[k] = (int) Math.round(stops[i][k] + f * (stops[i + 1][k] - stops[i][k]));
        return String.format("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
        if (Math.abs(v) >= 0.01 && Math.abs(v) < 1e4) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
