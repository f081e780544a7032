package io.llamasae.validation;

import io.llamasae.analysis.Interval;
import io.llamasae.io.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * PNG of the ablation experiments (XChart, headless), three panels stacked, one bar per ablated
 * feature: accuracy change (ablated − clean) with its bootstrap interval as error bars, mean KL of
 * the first generated step, and mean reconstruction impact. Separate panels because the three
 * quantities have unrelated scales.
 */
public final class ValidationPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 900;
    private static final int PANEL_HEIGHT = 320;

    private ValidationPlots() {}

    public static String fileName(ValidationConfig c) {
        return "validation_ablation_layer" + c.layer() + "_pos" + c.position() + ".png";
    }

    /** Writes the plot into {@code dir} atomically; returns its file name, or null when no feature was ablated. */
    public static String write(Path dir, ValidationResult r) {
        List<CategoryChart> panels = panels(r);
        if (panels.isEmpty()) return null;
        String name = fileName(r.config());
        BufferedImage img = new BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            for (int i = 0; i < panels.size(); i++) g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), 0, i * PANEL_HEIGHT, null);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + name + ": " + e.getMessage(), e);
        }
        AtomicFiles.writeBytes(dir.resolve(name), png.toByteArray());
        return name;
    }

    /** The three panels, or none when no ablation was generated. */
    static List<CategoryChart> panels(ValidationResult r) {
        List<ValidatedFeature> ablated = new ArrayList<>();
        for (ValidatedFeature f : r.general()) if (f.ablation() != null) ablated.add(f);
        for (ValidatedFeature f : r.specialized()) if (f.ablation() != null) ablated.add(f);
        if (ablated.isEmpty()) return List.of();
        List<String> names = new ArrayList<>();
        List<Double> delta = new ArrayList<>();
        List<Double> err = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        List<Double> impact = new ArrayList<>();
        for (ValidatedFeature f : ablated) {
            names.add(Integer.toString(f.featureId()));
            Interval d = f.ablation().accuracyDelta();
            delta.add(d.estimate());
            // XChart draws symmetric error bars: the larger half-width, so the bar covers the whole interval
            err.add(Math.max(d.upper() - d.estimate(), d.estimate() - d.lower()));
            kl.add(f.ablation().meanKl());
            impact.add(f.impact().meanImpact());
        }
        String where = "layer " + r.config().layer() + ", position " + r.config().position();
        CategoryChart acc = panel("Ablation (" + where + "): accuracy change, ablated - clean (" + Math.round(100 * r.config().level())
                + "% bootstrap CI)", "accuracy change", new Color(0x1F77B4));
        acc.addSeries("accuracy change", names, delta, err);
        CategoryChart k = panel("Mean KL(clean || ablated) of the first generated token", "KL (nats)", new Color(0x2CA02C));
        k.addSeries("KL", names, kl);
        CategoryChart imp = panel("Mean impact |decode(z') - decode(z)| at the analysed position", "mean impact", new Color(0xFF7F0E));
        imp.addSeries("impact", names, impact);
        return List.of(acc, k, imp);
    }

    private static CategoryChart panel(String title, String yTitle, Color color) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle("feature")
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setSeriesColors(new Color[] {color});
        c.getStyler().setErrorBarsColor(Color.BLACK);
        return c;
    }
}
