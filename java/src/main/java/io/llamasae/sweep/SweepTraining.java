package io.llamasae.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.data.Sample;
import io.llamasae.engine.Capture;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.ModelInfo;
import io.llamasae.engine.RowBlock;
import io.llamasae.sae.Activation;
import io.llamasae.sae.LayerSaes;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.train.ActivationSource;
import io.llamasae.sae.train.BDecInit;
import io.llamasae.sae.train.ConcatenatedActivations;
import io.llamasae.sae.train.SafetensorsActivations;
import io.llamasae.sae.train.TopKSaeTrainer;
import io.llamasae.sae.train.TrainConfig;
import io.llamasae.sae.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * {@code sweep --train}: the SAEs of a sweep trained here, from ONE capture pass. The pass captures the residual rows of
 * every swept layer at every swept position into {@code OUT/activations.safetensors}; then each layer's K × F grid is
 * trained ({@link TopKSaeTrainer#trainGrid}: one read of the data per epoch for the whole grid) on that layer's rows
 * of every position, the last {@code holdout} share of the samples left out; each model is saved in SAELens format
 * with its hook ({@code blocks.B.hook_resid_post}) under {@code OUT/sae/[k{K}-f{F}/]layer{L}/} with {@code metrics.json}
 * (training) and {@code heldout_metrics.json} (the held-out rows). Every grid point is then analysed as a sweep of
 * given SAEs; the spliced-in evaluation runs on the held-out samples.
 */
public final class SweepTraining {
    public static final String ACTIVATIONS = "activations.safetensors";

    private SweepTraining() {}

    /**
     * How the grid is trained (every field as {@code train}'s option of the same name).
     *
     * @param holdout share of the samples (the last ones) left out of training, in [0, 1)
     */
    public record Settings(int epochs, Double lr, int batch, double auxKCoef, Activation activation, long seed, double holdout) {
        public Settings {
            if (!(holdout >= 0 && holdout < 1)) throw new IllegalArgumentException("--holdout: expected a share in [0, 1) but found " + holdout);
            if (epochs < 1) throw new IllegalArgumentException("--epochs: expected >= 1 but found " + epochs);
            if (batch < 1) throw new IllegalArgumentException("--train-batch: expected >= 1 but found " + batch);
        }
    }

    /** One grid point's SAEs: label ({@code k32-f512}, null for a single point), folder under OUT ("" for OUT), block → path and SAE. */
    public record GridSaes(String label, String dir, Map<Integer, String> saes, Map<Integer, Sae> loaded) {}

    /** The trained grid and where the held-out samples start. */
    public record Result(List<GridSaes> grid, int heldOutFirst, int samples, String describe) {}

    /**
     * Captures, trains and saves; with {@code resume} an existing capture of the same inputs and trained SAEs that
     * exist already are reused.
     *
     * @param layers the swept layers in {@code convention}, or empty for every block
     */
    public static Result run(Path model, List<Sample> samples, ModelInfo info, LayerConvention convention, Optional<List<Integer>> layers,
                             List<Integer> positions, List<Integer> ks, List<Integer> latents, Settings s, int batch,
                             EngineOptions engineOptions, int gpuLayers, Path out, boolean resume, IntConsumer progress) throws IOException {
        List<Integer> blocks = new ArrayList<>();
        if (layers.isEmpty()) {
            for (int b = 0; b < info.nLayer(); b++) blocks.add(b);
        } else {
            for (int l : layers.get()) {
                int b = convention.toBlock(l, info.nLayer());
                if (blocks.contains(b)) throw new IllegalArgumentException("--layers: layer " + l + " listed twice");
                blocks.add(b);
            }
        }
        int n = samples.size();
        int heldOut = (int) Math.round(s.holdout() * n);
        int nTrain = n - heldOut;
        if (nTrain < 1 || (s.holdout() > 0 && heldOut < 1)) {
            throw new IllegalArgumentException("--holdout " + s.holdout() + ": expected it to leave at least one sample to train on and one "
                    + "to hold out of " + n + " but found " + nTrain + " and " + heldOut);
        }
        // One capture pass: every swept layer and position.
        CaptureSpec spec = CaptureSpec.of(blocks, positions);
        Path acts = out.resolve(ACTIVATIONS);
        List<String> ids = samples.stream().map(Sample::id).toList();
        if (!(resume && completeCapture(acts, ids, spec, convention))) {
            try (Model m = Model.load(model, gpuLayers); Engine e = Engine.open(m, engineOptions)) {
                Capture.toSafetensors(e, ids, samples.stream().map(Sample::prompt).toList(), spec, convention, acts, batch, progress, null,
                        null, resume);
            }
        }
        // The grid, per layer.
        List<TrainConfig> configs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int f : latents) {
            for (int k : ks) {
                TrainConfig.Builder b = TrainConfig.builder().k(k).latents(f).activation(s.activation()).epochs(s.epochs()).batchSize(s.batch())
                        .auxKCoef(s.auxKCoef()).seed(s.seed()).bDecInit(BDecInit.GEOMETRIC_MEDIAN);
                if (s.lr() != null) b.lr(s.lr());
                configs.add(b.build());
                labels.add("k" + k + "-f" + f);
            }
        }
        boolean grid = configs.size() > 1;
        List<GridSaes> points = new ArrayList<>();
        for (String label : labels) points.add(new GridSaes(grid ? label : null, grid ? label : "", new TreeMap<>(), new TreeMap<>()));
        try (SafetensorsReader r = SafetensorsReader.open(acts)) {
            for (int block : blocks) {
                int layer = convention.fromBlock(block);
                List<Path> dirs = new ArrayList<>();
                for (String label : labels) dirs.add(out.resolve("sae").resolve(grid ? label + "/layer" + layer : "layer" + layer));
                ActivationSource train = rows(r, layer, positions, 0, nTrain, convention);
                ActivationSource held = heldOut == 0 ? null : rows(r, layer, positions, nTrain, heldOut, convention);
                if (!(resume && dirs.stream().allMatch(SweepTraining::trained))) {
                    List<TrainResult> results = TopKSaeTrainer.trainGrid(train, configs, line -> System.err.println("layer " + layer + " " + line));
                    for (int i = 0; i < results.size(); i++) {
                        Map<String, Object> extra = new LinkedHashMap<>();
                        extra.put("hook_name", "blocks." + block + ".hook_resid_post");
                        extra.put("hook_layer", block);
                        extra.put("hook_positions", positions);
                        extra.put("activations", acts.toString());
                        extra.put("training_samples", nTrain);
                        extra.put("heldout_samples", heldOut);
                        TopKSaeTrainer.writeResult(results.get(i), dirs.get(i), extra);
                        if (held != null) HeldOutMetrics.write(dirs.get(i), TopKSaeTrainer.evaluate(results.get(i).sae(), held), heldOut, null);
                    }
                }
                for (int i = 0; i < labels.size(); i++) {
                    Sae sae = SaeLoader.load(dirs.get(i), Optional.empty(), OptionalInt.empty());
                    LayerSaes.check(sae, info.nEmbd(), dirs.get(i));
                    points.get(i).saes().put(block, dirs.get(i).toAbsolutePath().toString());
                    points.get(i).loaded().put(block, sae);
                }
            }
        }
        String describe = "K " + ks + " x F " + latents + ", " + s.epochs() + " epochs, trained on samples 0.." + (nTrain - 1)
                + (heldOut == 0 ? "" : ", " + heldOut + " held out") + ", one capture pass: " + acts.getFileName();
        return new Result(points, nTrain, n, describe);
    }

    /** A layer's rows at every position, samples {@code [from, from + count)} of each position tensor, one after the other. */
    static ActivationSource rows(SafetensorsReader r, int layer, List<Integer> positions, long from, long count, LayerConvention conv)
            throws IOException {
        List<ConcatenatedActivations.Part> parts = new ArrayList<>();
        for (int p : positions) {
            String name = "layer" + layer + ".pos" + RowBlock.position(p).label();
            parts.add(new ConcatenatedActivations.Part(new SafetensorsActivations(r, name), from, count));
        }
        return new ConcatenatedActivations(parts);
    }

    private static boolean trained(Path dir) {
        return Files.isRegularFile(dir.resolve("cfg.json")) && Files.isRegularFile(dir.resolve("metrics.json"));
    }

    /** Whether {@code acts} is a finished capture of these samples, layers and positions (a resumed sweep reuses it). */
    static boolean completeCapture(Path acts, List<String> ids, CaptureSpec spec, LayerConvention convention) throws IOException {
        if (!Files.isRegularFile(acts)) return false;
        try (SafetensorsReader r = SafetensorsReader.open(acts)) {
            Map<String, String> meta = r.metadata();
            if (!new ObjectMapper().writeValueAsString(ids).equals(meta.get("sample_ids"))) return false;
            if (!convention.label().equals(meta.get("layer_convention"))) return false;
            for (String t : Capture.tensorNames(spec, convention)) if (!r.has(t)) return false;
            return true;
        }
    }
}
