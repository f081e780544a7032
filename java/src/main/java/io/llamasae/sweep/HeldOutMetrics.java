package io.llamasae.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.SplicedEvaluation;
import io.llamasae.report.FeatureStatsJson;
import io.llamasae.report.StudyJson;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.LayerSaes;
import io.llamasae.sae.MetricsSummary;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import io.llamasae.sae.SplicedLoss;
import io.llamasae.sae.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What a trained SAE does on rows it was not trained on: {@code heldout_metrics.json} beside the SAE, with the SAE
 * metrics of the held-out rows and, when a model is given, the spliced-in evaluation of the held-out samples' prompts
 * (next-token CE with the layer's residual replaced by the SAE's reconstruction, against the clean model and zero
 * ablation; KL to the clean distribution).
 */
public final class HeldOutMetrics {
    public static final String FILE = "heldout_metrics.json";

    private HeldOutMetrics() {}

    /** Writes {@code dir/heldout_metrics.json}; {@code splice} may be null. */
    public static void write(Path dir, MetricsSummary m, long rows, SplicedLoss.Summary splice) {
        ObjectNode doc = StudyJson.MAPPER.createObjectNode();
        doc.put("heldout_rows", rows);
        doc.set("metrics", FeatureStatsJson.metrics(m));
        if (splice != null) doc.set("spliced", FeatureStatsJson.splice(splice));
        AtomicFiles.writeString(dir.resolve(FILE), doc.toPrettyString() + "\n");
    }

    /**
     * The spliced-in evaluation of trained SAEs on held-out samples: the activation file's samples from {@code first}
     * on (at most {@code n}), their prompts looked up in {@code dataset} by id, run through {@code model}; every grid
     * point's SAEs (one per layer) in one evaluation per grid point.
     *
     * @param saved layer (in {@code conv}) → the trained SAE folders, one per grid point (same order for every layer)
     * @return SAE folder → its layer's evaluation
     */
    public static Map<Path, SplicedLoss.Summary> splice(Path model, Path dataset, SafetensorsReader acts, LayerConvention conv,
                                                        Map<Integer, List<Path>> saved, int first, int n, int batch) throws IOException {
        String stored = acts.metadata().get("sample_ids");
        if (stored == null) {
            throw new IllegalArgumentException(acts.file() + ": __metadata__ sample_ids: expected the captured samples' ids (to find their "
                    + "prompts) but found none");
        }
        List<String> ids = new ObjectMapper().readValue(stored, new TypeReference<List<String>>() {});
        Map<String, Sample> byId = new HashMap<>();
        for (Sample s : DatasetReader.read(dataset, DatasetReader.Options.defaults()).samples()) byId.putIfAbsent(s.id(), s);
        List<String> heldIds = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (String id : ids.subList(Math.min(first, ids.size()), Math.min(ids.size(), first + n))) {
            Sample s = byId.get(id);
            if (s == null) {
                throw new IllegalArgumentException("--dataset " + dataset + ": expected the held-out sample '" + id + "' of " + acts.file()
                        + " but found no such id");
            }
            heldIds.add(id);
            prompts.add(s.prompt());
        }
        if (prompts.isEmpty()) throw new IllegalArgumentException(acts.file() + ": no held-out samples to evaluate");
        Map<Path, SplicedLoss.Summary> out = new LinkedHashMap<>();
        int points = saved.values().iterator().next().size();
        try (Model m = Model.load(model); Engine e = Engine.open(m, EngineOptions.defaults().withSeqMax(Math.min(batch, 256)))) {
            PassInput input = PassInput.tokenize(e, heldIds, prompts, first);
            for (int g = 0; g < points; g++) {
                Map<Integer, NativeSae> saes = new TreeMap<>();
                Map<Integer, Path> dirs = new TreeMap<>();
                try {
                    for (var entry : saved.entrySet()) {
                        int block = conv.toBlock(entry.getKey(), m.info().nLayer());
                        Path dir = entry.getValue().get(g);
                        Sae sae = SaeLoader.load(dir, Optional.empty(), OptionalInt.empty());
                        LayerSaes.check(sae, m.info().nEmbd(), dir);
                        saes.put(block, NativeSae.of(sae));
                        dirs.put(block, dir);
                    }
                    SplicedLoss loss = SplicedEvaluation.run(e, saes, input, batch, new SplicedLoss(new ArrayList<>(saes.keySet())), null);
                    dirs.forEach((block, dir) -> out.put(dir, loss.summary(block)));
                } finally {
                    for (int block : saes.keySet()) e.attachSae(block, null, 0);
                    saes.values().forEach(NativeSae::close);
                }
            }
        }
        return out;
    }
}
