package io.llamasae.scaleout;

import io.llamasae.engine.Engine;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import java.util.Map;

/** A model, its engine and the SAEs per block (ascending), opened on one device; closing frees all three. Not thread-safe. */
public record LoadedEngine(Model model, Engine engine, Map<Integer, NativeSae> saes, Device device) implements AutoCloseable {
    public LoadedEngine {
        saes = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(saes)); // blocks in ascending order
    }

    @Override
    public void close() {
        saes.values().forEach(NativeSae::close);
        engine.close();
        model.close();
    }
}
