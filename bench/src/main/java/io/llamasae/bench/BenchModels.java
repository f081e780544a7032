package io.llamasae.bench;

import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generated models and prompts the benchmarks share (deterministic, nothing from outside). */
final class BenchModels {
    private BenchModels() {}

    /** An 8-block llama-architecture F16 model, d = 256: small enough for 2 cores, deep enough to hook. */
    static Path model() throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "llama-sae-bench"));
        Path gguf = dir.resolve("bench-8x256-f16.gguf");
        if (!Files.exists(gguf)) {
            TestModelGenerator.write(TestModelConfig.builder().nLayer(8).nEmbd(256).nHead(8).nHeadKv(4).nFf(768).nCtx(2048)
                    .weightType(GgmlType.F16).seed(2026).build(), gguf);
        }
        return gguf;
    }

    /** GSM8K-style prompts, seeded. */
    static List<String> prompts(int n) {
        Random rnd = new Random(42);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = 2 + rnd.nextInt(50);
            int b = 2 + rnd.nextInt(50);
            out.add("Question: Tom has " + a + " apples and buys " + b + " more bags with " + (a % 7 + 2)
                    + " apples each. How many apples does he have now?\nAnswer: " + a + "+" + b + "*" + (a % 7 + 2) + "=");
        }
        return out;
    }
}
