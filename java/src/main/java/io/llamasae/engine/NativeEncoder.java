package io.llamasae.engine;

import io.llamasae.sae.Encoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The native CPU encode kernel behind the {@link Encoder} interface (training and the
 * {@code encode} command use it when the natives are present). Keeps the native copies of the
 * {@value #CACHED} SAEs used last (a copy costs one pass over the weights, an encode of a chunk
 * thousands) and frees older ones; weights of a cached SAE must not change between calls
 * (training refreshes via {@link #forget}). Close to free the native copies.
 */
public final class NativeEncoder implements Encoder, AutoCloseable {
    /** SAEs whose native copies are kept (a K x F training grid alternates between a few). */
    public static final int CACHED = 4;

    private final int threads;
    private final Map<Sae, NativeSae> cache = new IdentityHashMap<>();
    private final java.util.ArrayDeque<Sae> recent = new java.util.ArrayDeque<>();

    public NativeEncoder(int threads) {
        this.threads = threads;
    }

    @Override
    public synchronized SparseCodes encode(Sae sae, float[] x, int n, int k) {
        NativeSae ns = cache.get(sae);
        if (ns == null) {
            ns = NativeSae.of(sae);
            cache.put(sae, ns);
            recent.addLast(sae);
            while (recent.size() > CACHED) forget(recent.peekFirst());
        } else {
            recent.remove(sae);  // identity is what matters: Sae does not override equals
            recent.addLast(sae);
        }
        return ns.encode(x, n, k, threads);
    }

    /** Native copies currently held. */
    public synchronized int cachedCount() {
        return cache.size();
    }

    /** Drops the native copy of an SAE whose weights changed. */
    public synchronized void forget(Sae sae) {
        NativeSae s = cache.remove(sae);
        recent.remove(sae);
        if (s != null) s.close();
    }

    @Override
    public synchronized void close() {
        cache.values().forEach(NativeSae::close);
        cache.clear();
        recent.clear();
    }
}
