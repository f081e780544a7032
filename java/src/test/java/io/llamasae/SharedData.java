package io.llamasae;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llamasae.engine.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (models, data, reference outputs) and skips tests when it is absent. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String prop = System.getProperty("llama.sae.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** The path under ../shared, or a skipped test with the reason. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " absent (tests using ../shared need it beside the repository)");
        return p;
    }

    public static Path tinyModel() {
        return require("models/llama-2-tiny-random.gguf");
    }

    /**
     * Fails the test when the natives do not load, unless the build skipped them on purpose
     * ({@code -Djavacpp.skip=true}), in which case it is skipped: a broken JNI build must not
     * pass as a run of skipped tests.
     */
    public static void requireNatives() {
        if (Boolean.getBoolean("javacpp.skip")) {
            assumeTrue(NativeLibrary.isAvailable(), () -> "skipped: natives not built (-Djavacpp.skip=true)");
            return;
        }
        if (!NativeLibrary.isAvailable()) {
            throw new AssertionError("the llama-sae natives failed to load (give -Djavacpp.skip=true to test without them): "
                    + NativeLibrary.loadError(), NativeLibrary.loadError());
        }
    }
}
