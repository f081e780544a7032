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

    /** Skips the test when the natives were not built (e.g. -Djavacpp.skip=true). */
    public static void requireNatives() {
        assumeTrue(NativeLibrary.isAvailable(), () -> "skipped: natives not available: " + NativeLibrary.loadError());
    }
}
