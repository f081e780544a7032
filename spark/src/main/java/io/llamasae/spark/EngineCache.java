package io.llamasae.spark;

import io.llamasae.scaleout.Device;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engines of one executor JVM, kept between tasks: a pool per (engine key, device). A task leases an idle engine
 * or opens a new one (so concurrent tasks on the CPU, or sharing a GPU, each get their own: engines are not
 * thread-safe); a task that succeeded returns it for the next task; one that failed closes it (a native error may
 * have left it half-configured), and its retry opens a fresh one.
 */
final class EngineCache {
    private static final Map<String, Deque<AutoCloseable>> IDLE = new HashMap<>();
    private static final AtomicInteger OPENED = new AtomicInteger();
    private static final AtomicInteger LEASED = new AtomicInteger();

    private EngineCache() {}

    /** A leased engine; {@link #release(boolean)} exactly once. */
    static final class Lease<E extends AutoCloseable> {
        private final String key;
        private final E engine;
        private boolean released;

        private Lease(String key, E engine) {
            this.key = key;
            this.engine = engine;
        }

        E engine() {
            return engine;
        }

        /** Returns the engine to the pool ({@code healthy}) or closes it. */
        void release(boolean healthy) throws Exception {
            if (released) return;
            released = true;
            if (healthy) {
                synchronized (IDLE) {
                    IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(engine);
                }
            } else {
                engine.close();
            }
        }
    }

    /** Leases an idle engine for {@code engineKey} on {@code device}, or opens one with {@code open}. */
    @SuppressWarnings("unchecked")
    static <E extends AutoCloseable> Lease<E> acquire(String engineKey, Device device, Callable<E> open) throws Exception {
        String key = engineKey + " @ " + device;
        LEASED.incrementAndGet();
        synchronized (IDLE) {
            Deque<AutoCloseable> idle = IDLE.get(key);
            if (idle != null && !idle.isEmpty()) {
                return new Lease<>(key, (E) idle.pop());
            }
        }
        E engine = open.call();   // outside the lock: loading a model takes seconds
        OPENED.incrementAndGet();
        return new Lease<>(key, engine);
    }

    /** Engines opened by this JVM so far (tests check reuse with it). */
    static int opened() {
        return OPENED.get();
    }

    /** Leases handed out by this JVM so far (one per task). */
    static int leased() {
        return LEASED.get();
    }

    /** Closes every idle engine (the embedded driver calls it when its job ends: the JVM goes on). */
    static void closeIdle() throws Exception {
        List<AutoCloseable> all = new ArrayList<>();
        synchronized (IDLE) {
            IDLE.values().forEach(all::addAll);
            IDLE.clear();
        }
        Exception first = null;
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
