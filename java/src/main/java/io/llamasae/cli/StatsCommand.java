package io.llamasae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.FeatureSummary;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.io.AtomicFiles;
import io.llamasae.analysis.Ranking;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama-sae stats}: the feature frequency table of a sparse-codes file. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Feature frequency table (count, frequency, mean |a|, mean when active, max |a|) of a codes file.")
public final class StatsCommand implements Callable<Integer> {
    @Option(names = "--codes", required = true, description = "codes.safetensors (layer{L}.pos{P}.indices / .values)")
    Path codes;

    @Option(names = "--tensor", description = "Prefix to summarise, e.g. layer3.pos-1 (default: every prefix in the file)")
    String tensor;

    @Option(names = "--latents", converter = Converters.Positive.class, description = "Dictionary size F (default: the file's n_latents metadata, else the largest index + 1)")
    Integer latents;

    @Option(names = "--top", defaultValue = "20", converter = Converters.NonNegative.class, description = "Rows printed per table (default ${DEFAULT-VALUE}; the JSON has all)")
    int top;

    @Option(names = "--out", description = "Also write every feature's statistics as JSON here")
    Path out;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(codes)) {
            List<String> prefixes = new ArrayList<>();
            for (String name : r.tensors().keySet()) {
                if (name.endsWith(".indices") && (tensor == null || name.equals(tensor + ".indices"))) {
                    prefixes.add(name.substring(0, name.length() - ".indices".length()));
                }
            }
            if (prefixes.isEmpty()) {
                throw new IllegalArgumentException(codes + ": no tensor " + (tensor == null ? "*.indices" : tensor + ".indices")
                        + " (expected sparse codes written by encode or analyze)");
            }
            for (String prefix : prefixes) {
                if (!r.has(prefix + ".values")) throw new IllegalArgumentException(codes + ": " + prefix + ".indices has no " + prefix + ".values");
                TensorInfo info = r.info(prefix + ".indices");
                if (info.shape().length != 2) throw new IllegalArgumentException(codes + ": " + prefix + ".indices: expected shape [N, k]");
                int n = Math.toIntExact(info.shape()[0]);
                int k = Math.toIntExact(info.shape()[1]);
                int[] idx = r.readInts(prefix + ".indices");
                float[] val = r.readFloats(prefix + ".values");
                if (idx.length != val.length) {
                    throw new IllegalArgumentException(codes + ": " + prefix + ".values: shape: expected the shape of " + prefix
                            + ".indices [" + n + ", " + k + "] but found " + java.util.Arrays.toString(r.info(prefix + ".values").shape()));
                }
                int f = latents != null ? latents : storedLatents(r, idx);
                FeatureStatistics stats = new FeatureStatistics(f);
                int[] sample = new int[n];
                for (int i = 0; i < n; i++) sample[i] = i;
                try {
                    stats.accumulate(idx, val, n, k, sample, null);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(codes + ": " + prefix + ": " + e.getMessage()
                            + (latents != null ? " (--latents " + latents + ")" : ""), e);
                }
                List<RankedFeature> ranked = Ranking.byFrequency(stats);
                System.out.printf("%s: %d rows, k = %d, %d latents, %d never active%n", prefix, n, k, f,
                        ranked.stream().filter(x -> x.summary().activeCount() == 0).count());
                System.out.printf("%6s %8s %10s %9s %12s %12s %10s%n", "rank", "feature", "count", "freq", "mean|a|", "mean|a| act", "max|a|");
                for (RankedFeature x : ranked.subList(0, Math.min(top, ranked.size()))) {
                    FeatureSummary s = x.summary();
                    System.out.printf("%6d %8d %10d %9.4f %12.5g %12.5g %10.5g%n", x.rank(), s.featureId(), s.activeCount(), s.activationFreq(),
                            s.meanMagnitude(), s.meanAbsWhenActive(), s.maxAbs());
                }
                json.put(prefix, ranked);
            }
        }
        if (out != null) {
            AtomicFiles.writeBytes(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
        }
        return 0;
    }

    /** F from the file's n_latents metadata, else the largest index + 1. */
    private int storedLatents(SafetensorsReader r, int[] idx) {
        String stored = r.metadata().get("n_latents");
        if (stored == null) return 1 + java.util.Arrays.stream(idx).max().orElse(0);
        try {
            int f = Integer.parseInt(stored.trim());
            if (f >= 1) return f;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(codes + ": __metadata__ n_latents: expected an integer >= 1 but found '" + stored + "'");
    }
}
