package io.llamasae.sae;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Chooses an {@link Encoder} by name: "java" (float, default), "reference" (double-precision
 * oracle), and any implementation registered later (e.g. "native" once the JNI kernels are wired:
 * {@code Encoders.register("native", NativeEncoder::new)}). System property
 * {@code llama.sae.encoder} overrides the default, so a user can fall back to the reference when
 * results look wrong.
 */
public final class Encoders {
    /** System property naming the default encoder. */
    public static final String PROPERTY = "llama.sae.encoder";

    private static final Map<String, Supplier<Encoder>> REGISTRY = new ConcurrentHashMap<>(Map.of(
            "java", JavaEncoder::new,
            "reference", ReferenceEncoder::new));
    // One instance per name for the life of the process: an encoder may hold native resources
    // (the native one keeps uploaded SAEs), so handing out a new one per call would leak them.
    private static final Map<String, Encoder> SHARED = new ConcurrentHashMap<>();

    private Encoders() {
    }

    /**
     * Makes {@code name} available to {@link #byName} (replacing an earlier registration; an
     * instance already handed out under that name stays in use until the next registration).
     */
    public static void register(String name, Supplier<Encoder> factory) {
        String key = name.toLowerCase(Locale.ROOT);
        REGISTRY.put(key, factory);
        SHARED.remove(key);
    }

    /**
     * The encoder called {@code name}, created on first use and shared afterwards (encoders are
     * thread-safe); IllegalArgumentException listing the known names otherwise.
     */
    public static Encoder byName(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        Supplier<Encoder> s = REGISTRY.get(key);
        if (s == null) {
            throw new IllegalArgumentException("--encoder: expected one of " + new java.util.TreeSet<>(REGISTRY.keySet())
                    + " but found '" + name + "'");
        }
        return SHARED.computeIfAbsent(key, k -> s.get());
    }

    /** The encoder named by {@value #PROPERTY}, or "java". */
    public static Encoder defaultEncoder() {
        return byName(System.getProperty(PROPERTY, "java"));
    }
}
