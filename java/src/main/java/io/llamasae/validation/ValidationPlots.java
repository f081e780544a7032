package io.llamasae.validation;

import io.llamasae.report.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;

/**
 * PNG of the ground-truth ablations (XChart, headless): per feature the accuracy change with its
 * bootstrap interval as error bars, beside the mean reconstruction impact.
 */
public final class ValidationPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ValidationPlots() {}

    public static String fileName(ValidationConfig c) {
        return "validation_ablation_layer" + c.layer() + "_pos" + c.position() + ".png";
    }

    /** Writes the plot into {@code dir} atomically; returns its file name, or null when no feature was ablated. */
    public static String write(Path dir, ValidationResult r) {
        CategoryChart chart = ablationChart(r);
        if (chart == null) return null;
        String name = fileName(r.config());
        try {
            AtomicFiles.writeBytes(dir.resolve(name), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    static CategoryChart ablationChart(ValidationResult r) {
        List<String> names = new ArrayList<>();
        List<Double> delta = new ArrayList<>();
        List<Double> err = new ArrayList<>();
        List<Double> impact = new ArrayList<>();
        List<ValidatedFeature> all = new ArrayList<>(r.general());
        for (ValidatedFeature f : r.specialized()) if (f.ablation() != null) all.add(f);
        for (ValidatedFeature f : all) {
            if (f.ablation() == null) continue;
            names.add(Integer.toString(f.featureId()));
            var d = f.ablation().accuracyDelta();
            delta.add(d.estimate());
            // XChart draws symmetric bars: the larger half-width, so the bar covers the whole interval
            err.add(Math.max(d.upper() - d.estimate(), d.estimate() - d.lower()));
            impact.add(f.impact().meanImpact());
        }
        if (names.isEmpty()) return null;
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                .title("Ablation at layer " + r.config().layer() + ", position " + r.config().position()
                        + ": accuracy change (" + Math.round(100 * r.config().level()) + "% CI) and mean impact")
                .xAxisTitle("feature").yAxisTitle("value").build();
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setErrorBarsColor(java.awt.Color.BLACK);
        chart.addSeries("accuracy change (ablated - clean)", names, delta, err);
        chart.addSeries("mean impact |decode(z') - decode(z)|", names, impact);
        for (CategorySeries s : chart.getSeriesMap().values()) s.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Bar);
        return chart;
    }
}
