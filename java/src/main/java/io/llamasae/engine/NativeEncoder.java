package io.llamasae.engine;

import io.llamasae.sae.Encoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The native CPU encode kernel behind the {@link Encoder} interface (training and the
 * {@code encode} command use it when the natives are present). Caches one native copy per SAE
 * object; weights of a cached SAE must not change between calls (training refreshes via
 * {@link #forget}). Close to free the native copies.
 */
public final class NativeEncoder implements Encoder, AutoCloseable {
    private final int threads;
    private final Map<Sae, NativeSae> cache = new IdentityHashMap<>();

    public NativeEncoder(int threads) {
        this.threads = threads;
    }

    @Override
    public synchronized SparseCodes encode(Sae sae, float[] x, int n, int k) {
        return cache.computeIfAbsent(sae, NativeSae::of).encode(x, n, k, threads);
    }

    /** Drops the native copy of an SAE whose weights changed. */
    public synchronized void forget(Sae sae) {
        NativeSae s = cache.remove(sae);
        if (s != null) s.close();
    }

    @Override
    public synchronized void close() {
        cache.values().forEach(NativeSae::close);
        cache.clear();
    }
}
