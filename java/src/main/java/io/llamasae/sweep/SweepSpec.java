package io.llamasae.sweep;

import io.llamasae.scaleout.EngineSpec;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every partition of a sweep computes (small and serializable: it travels to Spark executors).
 *
 * @param engine      model, one SAE per block, context and batch (the batch is also the partition alignment)
 * @param positions   token positions captured at every layer (negative: from the end)
 * @param topN        top samples kept per feature
 * @param ceFirst     first sample (dataset index) of the spliced-in evaluation
 * @param ceEnd       one past its last sample ({@code ceFirst == ceEnd}: no evaluation)
 * @param layerNames  block → the layer number the user's convention gives it (tensor and file names)
 * @param convention  the layer convention's label ({@code llama.cpp} or {@code hf})
 * @param codes       write the sparse codes ({@code layer{L}.pos{P}.indices/.values}) to the "codes" shard
 * @param activations write the residual rows ({@code layer{L}.pos{P}}) to the "activations" shard
 */
public record SweepSpec(EngineSpec engine, List<Integer> positions, int topN, int ceFirst, int ceEnd, Map<Integer, Integer> layerNames,
                        String convention, boolean codes, boolean activations) implements Serializable {
    public SweepSpec {
        positions = List.copyOf(positions);
        layerNames = new TreeMap<>(layerNames);
        if (positions.isEmpty()) throw new IllegalArgumentException("--positions: expected at least one position but found none");
        if (positions.stream().distinct().count() != positions.size()) {
            throw new IllegalArgumentException("--positions: expected distinct positions but found " + positions);
        }
        if (!layerNames.keySet().equals(engine.saes().keySet())) {
            throw new IllegalArgumentException("sweep: expected a layer name for each SAE block " + engine.saes().keySet() + " but found "
                    + layerNames.keySet());
        }
        if (topN < 1) throw new IllegalArgumentException("--top: expected >= 1 but found " + topN);
        if (ceFirst < 0 || ceEnd < ceFirst) {
            throw new IllegalArgumentException("spliced evaluation: expected 0 <= first <= end but found " + ceFirst + ", " + ceEnd);
        }
    }

    /** The analysed blocks, ascending. */
    public List<Integer> blocks() {
        return List.copyOf(new TreeMap<>(engine.saes()).keySet());
    }

    /** Whether the spliced-in evaluation runs. */
    public boolean evaluatesSplice() {
        return ceEnd > ceFirst;
    }

    /** The tensor name prefix of (block, position): {@code layer{L}.pos{P}} with L in the user's convention. */
    public String tensorName(int block, int position) {
        return "layer" + layerNames.get(block) + ".pos" + position;
    }
}
