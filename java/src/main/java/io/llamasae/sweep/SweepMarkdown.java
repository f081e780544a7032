package io.llamasae.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * {@code sweep.md}: the per-layer table, what changes with depth (sentences computed from the numbers: first and last
 * value, extremes and the Spearman rank correlation with depth), the heatmaps, and with a K grid the comparison the
 * reference study left open: does a larger K remove the rare specialized features?
 */
public final class SweepMarkdown {
    private SweepMarkdown() {}

    /** A metric the depth paragraph describes. */
    private record Trend(String name, ToDoubleFunction<SweepEntry> value, String format) {}

    private static final List<Trend> TRENDS = List.of(
            new Trend("explained variance", e -> e.metrics().explainedVariance(), "%.3f"),
            new Trend("L0 (active latents per row)", e -> e.metrics().l0(), "%.1f"),
            new Trend("dead fraction", e -> e.metrics().deadFraction(), "%.3f"),
            new Trend("CE loss recovered", e -> e.splice() == null ? Double.NaN : e.splice().ceLossRecovered(), "%.3f"),
            new Trend("KL to the clean model with the SAE spliced in", e -> e.splice() == null ? Double.NaN : e.splice().splicedKl(), "%.4f"),
            new Trend("share of live features with a specialized label",
                    e -> e.liveFeatures() == 0 ? Double.NaN : (double) e.specializedFeatures() / e.liveFeatures(), "%.3f"),
            new Trend("rare features (active in at most " + SweepEntry.RARE_MAX_SAMPLES + " samples)", e -> e.rareFeatures(), "%.0f"));

    public static String render(List<SweepSummary.GridPoint> points, SweepSummary.Inputs in, List<List<String>> pngs) {
        StringBuilder md = new StringBuilder();
        md.append("# Sweep across layers\n\n");
        md.append("- Model: ").append(in.model()).append('\n');
        md.append("- Dataset: ").append(in.dataset()).append(" (").append(in.samples()).append(" samples)\n");
        md.append("- SAEs: ").append(in.saes()).append('\n');
        md.append("- Analysis mode: ").append(in.mode()).append("; layers numbered as ").append(in.convention()).append('\n');
        md.append("- Spliced-in evaluation: ").append(in.splice()).append('\n');
        md.append("- Passes: ").append(in.passNote()).append("\n\n");
        md.append("Each (layer, position) folder holds the files `analyze` writes for it; `sweep_summary.json` has every number below; ")
                .append("[sweep.html](").append(SweepSummary.HTML_NAME).append(") shows the heatmaps as tables that link into the dashboard.\n\n");
        for (int i = 0; i < points.size(); i++) {
            SweepSummary.GridPoint p = points.get(i);
            String h = p.label() == null ? "##" : "###";
            if (p.label() != null) md.append("## SAEs ").append(p.label()).append(" (folder `").append(p.dir()).append("`)\n\n");
            md.append(h).append(" Per layer\n\n");
            table(md, p);
            md.append('\n').append(h).append(" What changes with depth\n\n");
            depth(md, p.entries());
            if (!pngs.get(i).isEmpty()) {
                md.append('\n').append(h).append(" Heatmaps\n\n");
                for (String png : pngs.get(i)) md.append("![").append(png).append("](").append(png).append(")\n\n");
            }
            md.append('\n');
        }
        kComparison(md, points);
        return md.toString();
    }

    private static void table(StringBuilder md, SweepSummary.GridPoint p) {
        md.append("| layer | pos | EV | MSE | L0 | dead | CE clean | CE spliced | CE zero-abl. | CE recovered | KL spliced | live | specialized | rare | rare specialized |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SweepEntry e : p.entries()) {
            String layer = p.dashboard() ? "[" + e.layer() + "](" + p.prefix() + "dashboard/index.html#layer=" + e.layer() + "&pos="
                    + e.position() + ")" : Integer.toString(e.layer());
            var s = e.splice();
            md.append("| ").append(layer).append(" | ").append(e.position())
                    .append(" | ").append(f("%.4f", e.metrics().explainedVariance()))
                    .append(" | ").append(f("%.4g", e.metrics().mse()))
                    .append(" | ").append(f("%.1f", e.metrics().l0()))
                    .append(" | ").append(f("%.1f%%", 100 * e.metrics().deadFraction()))
                    .append(" | ").append(s == null ? "–" : f("%.4f", s.cleanCe()))
                    .append(" | ").append(s == null ? "–" : f("%.4f", s.splicedCe()))
                    .append(" | ").append(s == null ? "–" : f("%.4f", s.zeroCe()))
                    .append(" | ").append(s == null ? "–" : f("%.3f", s.ceLossRecovered()))
                    .append(" | ").append(s == null ? "–" : f("%.4f", s.splicedKl()))
                    .append(" | ").append(e.liveFeatures())
                    .append(" | ").append(e.specializedFeatures())
                    .append(" | ").append(e.rareFeatures())
                    .append(" | ").append(e.rareSpecializedFeatures()).append(" |\n");
        }
        md.append("\nLive, specialized and rare count every live feature of the layer, labelled in ")
                .append(p.entries().get(0).layerWide().config().mode().label())
                .append(" mode; rare = active in at most ").append(SweepEntry.RARE_MAX_SAMPLES).append(" samples. CE values are nats per token ")
                .append("over the evaluated prompts (the layer's residual replaced at every position).\n");
    }

    /** One sentence per metric and position: direction, ends, extremes, Spearman ρ with depth. */
    static void depth(StringBuilder md, List<SweepEntry> entries) {
        Map<Integer, List<SweepEntry>> byPosition = new TreeMap<>(Comparator.reverseOrder());
        for (SweepEntry e : entries) byPosition.computeIfAbsent(e.position(), x -> new ArrayList<>()).add(e);
        List<Integer> order = new ArrayList<>();
        for (SweepEntry e : entries) if (!order.contains(e.position())) order.add(e.position());
        for (int position : order) {
            List<SweepEntry> rows = byPosition.get(position);
            rows.sort(Comparator.comparingInt(SweepEntry::block));
            md.append("At position ").append(position).append(":\n\n");
            if (rows.size() < 2) {
                md.append("- one layer only: nothing to compare across depth.\n\n");
                continue;
            }
            for (Trend t : TRENDS) {
                String s = sentence(t, rows);
                if (s != null) md.append("- ").append(s).append('\n');
            }
            md.append('\n');
        }
    }

    /** "explained variance falls with depth: 0.950 at layer 0 → 0.710 at layer 3 (Spearman ρ = −1.00 over 4 layers); ..." */
    static String sentence(Trend t, List<SweepEntry> rows) {
        List<double[]> pts = new ArrayList<>();   // (block, value, layer)
        for (SweepEntry e : rows) {
            double v = t.value().applyAsDouble(e);
            if (Double.isFinite(v)) pts.add(new double[] {e.block(), v, e.layer()});
        }
        if (pts.size() < 2) return null;
        double rho = spearman(pts);
        double[] first = pts.get(0);
        double[] last = pts.get(pts.size() - 1);
        double[] lo = pts.stream().min(Comparator.comparingDouble(p -> p[1])).orElseThrow();
        double[] hi = pts.stream().max(Comparator.comparingDouble(p -> p[1])).orElseThrow();
        String trend;
        if (Double.isNaN(rho)) trend = "is the same at every layer";
        else if (rho >= 0.7) trend = "rises with depth";
        else if (rho <= -0.7) trend = "falls with depth";
        else if (rho >= 0.3) trend = "tends to rise with depth";
        else if (rho <= -0.3) trend = "tends to fall with depth";
        else trend = "shows no consistent trend with depth";
        StringBuilder s = new StringBuilder("**").append(t.name()).append("** ").append(trend).append(": ")
                .append(f(t.format(), first[1])).append(" at layer ").append((int) first[2]).append(" → ").append(f(t.format(), last[1]))
                .append(" at layer ").append((int) last[2]);
        if (!Double.isNaN(rho)) s.append(" (Spearman ρ = ").append(f("%.2f", rho)).append(" over ").append(pts.size()).append(" layers)");
        if (hi[1] > lo[1]) {
            s.append("; lowest ").append(f(t.format(), lo[1])).append(" at layer ").append((int) lo[2]).append(", highest ")
                    .append(f(t.format(), hi[1])).append(" at layer ").append((int) hi[2]);
        }
        return s.append('.').toString();
    }

    /** Spearman's rank correlation of value with depth (average ranks for ties; NaN when the values are all equal). */
    static double spearman(List<double[]> pts) {
        int n = pts.size();
        double[] rx = ranks(pts.stream().mapToDouble(p -> p[0]).toArray());
        double[] ry = ranks(pts.stream().mapToDouble(p -> p[1]).toArray());
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += rx[i] / n;
            my += ry[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    static double[] ranks(double[] v) {
        int n = v.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        java.util.Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[n];
        for (int i = 0; i < n;) {
            int j = i;
            while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[idx[k]] = avg;
            i = j + 1;
        }
        return r;
    }

    /**
     * With several k at one dictionary size: per (layer, position) the counts at each k, and a verdict computed from the
     * totals over layers: whether the rare specialized features disappear as k grows.
     */
    static void kComparison(StringBuilder md, List<SweepSummary.GridPoint> points) {
        Map<Integer, List<SweepSummary.GridPoint>> byLatents = new TreeMap<>();
        for (SweepSummary.GridPoint p : points) {
            if (p.label() == null) return;
            byLatents.computeIfAbsent(p.entries().get(0).latents(), x -> new ArrayList<>()).add(p);
        }
        boolean any = byLatents.values().stream().anyMatch(l -> l.size() > 1);
        if (!any) return;
        md.append("## Does a larger K remove the rare specialized features?\n\n");
        md.append("The reference study found its specialized features active in only 1–5 samples, and noted that SAEs with a larger K ")
                .append("(200, 300) had none. Here every K of the grid was trained on the same rows and analysed the same way; ")
                .append("rare = active in at most ").append(SweepEntry.RARE_MAX_SAMPLES).append(" samples.\n\n");
        for (var e : byLatents.entrySet()) {
            List<SweepSummary.GridPoint> ps = new ArrayList<>(e.getValue());
            if (ps.size() < 2) continue;
            ps.sort(Comparator.comparingInt(p -> p.entries().get(0).k()));
            md.append("### F = ").append(e.getKey()).append("\n\n");
            md.append("| layer | pos | K | EV | L0 | dead | CE recovered | live | specialized | rare | rare specialized |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Map<String, List<SweepEntry>> rows = new LinkedHashMap<>();
            for (SweepSummary.GridPoint p : ps) {
                for (SweepEntry x : p.entries()) rows.computeIfAbsent(x.block() + "/" + x.position(), k -> new ArrayList<>()).add(x);
            }
            for (List<SweepEntry> r : rows.values()) {
                for (SweepEntry x : r) {
                    md.append("| ").append(x.layer()).append(" | ").append(x.position()).append(" | ").append(x.k())
                            .append(" | ").append(f("%.4f", x.metrics().explainedVariance())).append(" | ").append(f("%.1f", x.metrics().l0()))
                            .append(" | ").append(f("%.1f%%", 100 * x.metrics().deadFraction()))
                            .append(" | ").append(x.splice() == null ? "–" : f("%.3f", x.splice().ceLossRecovered()))
                            .append(" | ").append(x.liveFeatures()).append(" | ").append(x.specializedFeatures())
                            .append(" | ").append(x.rareFeatures()).append(" | ").append(x.rareSpecializedFeatures()).append(" |\n");
                }
            }
            md.append('\n').append(verdict(ps)).append("\n\n");
        }
    }

    static String verdict(List<SweepSummary.GridPoint> byK) {
        SweepSummary.GridPoint lo = byK.get(0);
        SweepSummary.GridPoint hi = byK.get(byK.size() - 1);
        int kLo = lo.entries().get(0).k();
        int kHi = hi.entries().get(0).k();
        int rareLo = sum(lo, SweepEntry::rareFeatures);
        int rareHi = sum(hi, SweepEntry::rareFeatures);
        int specLo = sum(lo, SweepEntry::rareSpecializedFeatures);
        int specHi = sum(hi, SweepEntry::rareSpecializedFeatures);
        int allLo = sum(lo, SweepEntry::specializedFeatures);
        int allHi = sum(hi, SweepEntry::specializedFeatures);
        String mode = lo.entries().get(0).layerWide().config().mode().label();
        StringBuilder s = new StringBuilder("Summed over the ").append(lo.entries().size()).append(" (layer, position) pairs, from K = ")
                .append(kLo).append(" to K = ").append(kHi).append(": rare features ").append(rareLo).append(" → ").append(rareHi)
                .append(", rare specialized features (").append(mode).append(" mode) ").append(specLo).append(" → ").append(specHi)
                .append(", all specialized features ").append(allLo).append(" → ").append(allHi).append(". ");
        if (specLo > 0 && specHi == 0) {
            s.append("**Yes: a larger K removes the rare specialized features** here.");
        } else if (specHi < specLo) {
            s.append("**A larger K reduces the rare specialized features but does not remove them** here.");
        } else if (specLo == 0 && specHi == 0) {
            s.append("**There are no rare specialized features at any K** here");
            s.append(mode.equals("sound") ? " (sound mode labels features active in fewer samples than its minimum support "
                    + "insufficient-evidence, never specialized; run with --mode seed to apply the reference's rules)." : ".");
        } else {
            s.append("**No: a larger K does not remove the rare specialized features** here.");
        }
        return s.toString();
    }

    private static int sum(SweepSummary.GridPoint p, java.util.function.ToIntFunction<SweepEntry> f) {
        return p.entries().stream().mapToInt(f).sum();
    }

    static String f(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "–";
    }
}
