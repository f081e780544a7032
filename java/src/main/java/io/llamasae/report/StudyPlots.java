package io.llamasae.report;

import io.llamasae.io.AtomicFiles;

import io.llamasae.analysis.BandResult;
import io.llamasae.analysis.FeatureAnalysis;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.analysis.StudyResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG plots of one study (XChart, headless): frequency by rank, specialization vs frequency, type share by band. */
public final class StudyPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** One colour per label type, the same in every chart. */
    private static final Map<String, Color> TYPE_COLORS = Map.of(
            "general", new Color(0x9E9E9E),
            "operation-specialized", new Color(0x1F77B4),
            "value-specialized", new Color(0x9467BD),
            "sequence-specialized", new Color(0x2CA02C),
            "highly-specialized", new Color(0xD62728),
            "insufficient-evidence", new Color(0xFFBF00));

    private StudyPlots() {
    }

    private static Color color(String type) {
        return TYPE_COLORS.getOrDefault(type, Color.DARK_GRAY);
    }

    /** Writes the three plots into {@code dir}; returns their file names. */
    public static List<String> write(Path dir, StudyResult r) {
        String suffix = "_layer" + r.config().layer() + "_pos" + r.config().position() + ".png";
        List<String> names = new ArrayList<>();
        names.add(save(dir, "activation_frequency" + suffix, frequencyByRank(r)));
        XYChart scatter = specializationVsFrequency(r);
        if (scatter != null) {
            names.add(save(dir, "specialization_vs_frequency" + suffix, scatter));
        }
        names.add(save(dir, "type_by_rank_band" + suffix, typeByBand(r)));
        return names;
    }

    /** Activation frequency against rank, log y axis; dead features (frequency 0) cannot be drawn on a log axis and are left out. */
    static XYChart frequencyByRank(StudyResult r) {
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title("Activation frequency by rank (layer " + r.config().layer() + ", " + r.deadFeatures() + " dead features not shown)")
                .xAxisTitle("rank").yAxisTitle("activation frequency").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(3);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (RankedFeature f : r.ranking()) {
            if (f.summary().activationFreq() > 0) {
                x.add((double) f.rank());
                y.add(f.summary().activationFreq());
            }
        }
        if (x.isEmpty()) {
            x.add(1.0);
            y.add(1.0 / Math.max(1, r.sampleCount()));
        }
        chart.addSeries("frequency", x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        return chart;
    }

    /** Largest operation share (percent of top samples) against frequency, one series per label type; null if nothing was analysed. */
    static XYChart specializationVsFrequency(StudyResult r) {
        Map<String, List<double[]>> byType = new LinkedHashMap<>();
        for (BandResult b : r.bands()) {
            for (FeatureAnalysis f : b.features()) {
                double maxShare = f.scores().operations().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
                byType.computeIfAbsent(f.type(), k -> new ArrayList<>()).add(new double[]{f.summary().activationFreq(), maxShare});
            }
        }
        if (byType.isEmpty()) {
            return null;
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Specialization vs activation frequency (layer "
                + r.config().layer() + ")").xAxisTitle("activation frequency").yAxisTitle("largest operation share of top samples (%)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(6);
        for (Map.Entry<String, List<double[]>> e : byType.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (double[] p : e.getValue()) {
                x.add(p[0]);
                y.add(p[1]);
            }
            chart.addSeries(e.getKey() + " (" + x.size() + ")", x, y).setMarkerColor(color(e.getKey()));
        }
        return chart;
    }

    /** Percent of each label type per rank band, stacked. */
    static CategoryChart typeByBand(StudyResult r) {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title("Label types by rank band (layer "
                + r.config().layer() + ")").xAxisTitle("rank band").yAxisTitle("% of analysed features").build();
        chart.getStyler().setStacked(true);
        List<String> bands = new ArrayList<>();
        for (BandResult b : r.bands()) {
            bands.add(b.band().label());
        }
        for (String type : MarkdownReport.TYPE_ORDER) {
            List<Double> y = new ArrayList<>();
            boolean any = false;
            for (BandResult b : r.bands()) {
                int n = b.typeCounts().getOrDefault(type, 0);
                any |= n > 0;
                y.add(b.features().isEmpty() ? 0 : 100.0 * n / b.features().size());
            }
            if (any) {
                chart.addSeries(type, bands, y).setFillColor(color(type));
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            List<Double> zeros = new ArrayList<>();
            bands.forEach(b -> zeros.add(0.0));
            chart.addSeries("no features", bands, zeros);
        }
        return chart;
    }

    private static String save(Path dir, String name, Chart<?, ?> chart) {
        try {
            AtomicFiles.writeBytes(dir.resolve(name), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + name + ": " + e.getMessage(), e);
        }
        return name;
    }
}
