package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;
import org.bytedeco.javacpp.Loader;

/** Loads the native engine once and tells whether it is usable (tests skip when it is not). */
public final class NativeLibrary {
    private static volatile Throwable loadError;
    private static volatile boolean loaded;

    private NativeLibrary() {}

    /** Loads the natives; throws an {@link IllegalStateException} with the cause if that fails. */
    public static synchronized void ensureLoaded() {
        if (loaded) return;
        if (loadError != null) throw unavailable();
        try {
            Loader.load(LlamaSaeLib.class);
            loaded = true;
        } catch (Throwable t) {
            loadError = t;
            throw unavailable();
        }
    }

    /** True if the natives load on this machine. */
    public static boolean isAvailable() {
        try {
            ensureLoaded();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Why the natives did not load, or null. */
    public static Throwable loadError() {
        return loadError;
    }

    /** Engine and llama.cpp version string. */
    public static String version() {
        ensureLoaded();
        return LlamaSaeLib.llama_sae_version().getString();
    }

    /** True when the engine runs hook work on CUDA devices (CUDA build and a device present). */
    public static boolean hasCuda() {
        ensureLoaded();
        return LlamaSaeLib.llama_sae_has_cuda();
    }

    /** True when the engine was built with its CUDA path. */
    public static boolean builtWithCuda() {
        ensureLoaded();
        return LlamaSaeLib.llama_sae_built_with_cuda();
    }

    private static IllegalStateException unavailable() {
        return new IllegalStateException("llama-sae natives are not available (build with `mvn -pl java package`): " + loadError,
                loadError);
    }
}
