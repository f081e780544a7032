package io.llamasae.sae;

import io.llamasae.engine.LayerConvention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One SAE per layer, found in a folder (what {@code sweep --saes DIR} and {@code train --layers} agree on), and the
 * one place where an SAE is checked against where it is attached: the block its files say it was trained at
 * ({@link SaeHook}) and its width against the model.
 *
 * <p>Where the SAE of a layer comes from, in this order:
 * <ol>
 *   <li>a subfolder {@code layer{L}} (L in the user's layer convention); if the SAE's own files name a block
 *       (cfg.json {@code hook_name}/{@code hook_layer}), it must be that layer's block;</li>
 *   <li>any other subfolder whose SAE files name their block (a SAELens {@code cfg.json} with {@code hook_name}
 *       such as {@code blocks.5.hook_resid_post}, or a sparsify hookpoint folder {@code layers.5}).</li>
 * </ol>
 * Two SAEs for one block are refused, so are blocks outside the model and folders with no SAE at all.
 */
public final class LayerSaes {
    private static final Pattern LAYER_FOLDER = Pattern.compile("layer(\\d+)");

    private LayerSaes() {}

    /** Where one layer's SAE lives and why. */
    public record Found(int block, Path path, String source) {}

    /**
     * Finds the SAEs in {@code dir}, block → where it lives, in ascending block order.
     *
     * @param layers        the layers wanted (in {@code convention}), or empty for every SAE in the folder
     * @param nLayer        the model's blocks
     * @param allowMismatch attach a {@code layer{L}} SAE at L even when its files name another block
     */
    public static Map<Integer, Found> find(Path dir, LayerConvention convention, int nLayer, Optional<List<Integer>> layers,
                                           boolean allowMismatch) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--saes " + dir + ": expected a folder with one SAE per layer (subfolders layer{L}) but "
                    + (Files.exists(dir) ? "found a file" : "found nothing there"));
        }
        List<Path> subfolders;
        try (Stream<Path> s = Files.list(dir)) {
            subfolders = s.filter(Files::isDirectory).sorted().toList();
        }
        Map<Integer, Found> out = new TreeMap<>();
        for (Path sub : subfolders) {
            String name = sub.getFileName().toString();
            Matcher m = LAYER_FOLDER.matcher(name);
            Optional<SaeHook> hook = SaeHook.of(sub);
            Found found;
            if (m.matches()) {
                int layer = Integer.parseInt(m.group(1));
                int block = toBlock(convention, layer, nLayer, sub);
                SaeHook.checkAttachedAt(sub, block, allowMismatch, "--saes " + dir + " (subfolder " + name + ")");
                found = new Found(block, sub, "subfolder " + name);
            } else if (hook.isPresent()) {
                int block = hook.get().block();
                if (block < 0 || block >= nLayer) {
                    throw new IllegalArgumentException("--saes " + sub + ": " + hook.get().source() + ": expected a block in 0.."
                            + (nLayer - 1) + " (the model has " + nLayer + ") but found block " + block);
                }
                found = new Found(block, sub, hook.get().source());
            } else {
                continue;  // not an SAE folder of this layout (e.g. a sweep's other outputs)
            }
            Found before = out.put(found.block(), found);
            if (before != null) {
                throw new IllegalArgumentException("--saes " + dir + ": expected one SAE per layer but found two for block " + found.block()
                        + " (" + before.path().getFileName() + ": " + before.source() + "; " + sub.getFileName() + ": " + found.source()
                        + ")");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--saes " + dir + ": expected subfolders layer{L} (or SAE folders whose cfg.json names "
                    + "their hook) but found none");
        }
        if (layers.isEmpty()) return Collections.unmodifiableMap(out);
        Map<Integer, Found> wanted = new TreeMap<>();
        for (int layer : layers.get()) {
            int block = toBlock(convention, layer, nLayer, dir);
            Found f = out.get(block);
            if (f == null) {
                throw new IllegalArgumentException("--layers " + layer + ": expected an SAE for it in --saes " + dir + " (subfolder layer"
                        + layer + ") but found SAEs only for layers " + userLayers(out.keySet(), convention));
            }
            wanted.put(block, f);
        }
        return Collections.unmodifiableMap(wanted);
    }

    /**
     * Loads one found SAE and checks its width against the model's residual stream ({@code nEmbd}).
     *
     * @param format the format, or empty to detect; @param k Top-K override, or empty for the SAE's own
     */
    public static Sae load(Found found, Optional<SaeFormat> format, OptionalInt k, int nEmbd) throws IOException {
        Sae sae = SaeLoader.load(found.path(), format, k);
        check(sae, nEmbd, found.path());
        return sae;
    }

    /** The width check every attach goes through: the SAE reads rows of the model's residual width. */
    public static void check(Sae sae, int nEmbd, Path where) {
        try {
            sae.checkWidth(nEmbd);
        } catch (InvalidSaeException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static int toBlock(LayerConvention convention, int layer, int nLayer, Path where) {
        try {
            return convention.toBlock(layer, nLayer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static List<Integer> userLayers(Iterable<Integer> blocks, LayerConvention convention) {
        List<Integer> out = new ArrayList<>();
        for (int b : blocks) out.add(convention.fromBlock(b));
        return out;
    }
}
