package io.llamasae.scaleout;

import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeLoader;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The engine a partition runner needs, as paths and options (small and serializable, so it travels to executors):
 * a GGUF model, one SAE per block, and the engine's batch settings. Paths must be readable on every executor (a
 * shared file system, or files shipped with {@code spark-submit --files}).
 *
 * @param model     GGUF model file
 * @param saes      block (llama.cpp index) -> SAE directory or file
 * @param saeFormat SAE format name, or null to detect
 * @param k         Top-K override, or null for each SAE's own
 * @param ctx       context size (0 = the model's default)
 * @param batch     prompts per engine run (also the partition alignment, see {@link Partitioning})
 */
public record EngineSpec(String model, Map<Integer, String> saes, String saeFormat, Integer k, int ctx, int batch) implements Serializable {
    public EngineSpec {
        saes = new TreeMap<>(saes);
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: expected >= 1 but found " + batch);
        }
    }

    /** Equal keys mean interchangeable engines. */
    public String key() {
        return "model=" + model + " saes=" + saes + " format=" + saeFormat + " k=" + k + " ctx=" + ctx + " batch=" + batch;
    }

    /** Loads the model on {@code device} (its GPU, or the CPU with its threads), opens an engine and the SAEs. */
    public LoadedEngine open(Device device) throws java.io.IOException {
        Model m = Model.load(Path.of(model), device.isGpu() ? -1 : 0, device.gpu());
        Engine e = null;
        Map<Integer, NativeSae> loaded = new LinkedHashMap<>();
        try {
            e = Engine.open(m, EngineOptions.defaults().withCtx(ctx).withSeqMax(Math.min(batch, 256)).withThreads(device.threads()));
            for (Map.Entry<Integer, String> s : saes.entrySet()) {
                Sae sae = SaeLoader.load(Path.of(s.getValue()), saeFormat == null ? Optional.empty() : Optional.of(SaeFormat.parse(saeFormat)),
                        k == null ? OptionalInt.empty() : OptionalInt.of(k));
                io.llamasae.sae.LayerSaes.check(sae, m.info().nEmbd(), Path.of(s.getValue()));
                loaded.put(s.getKey(), NativeSae.of(sae));
            }
            return new LoadedEngine(m, e, loaded, device);
        } catch (RuntimeException | java.io.IOException | Error ex) {
            loaded.values().forEach(NativeSae::close);
            if (e != null) e.close();
            m.close();
            throw ex;
        }
    }
}
