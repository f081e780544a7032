package io.llamasae.hardening;

import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLensWriter;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.SafetensorsWriter;
import io.llamasae.sae.safetensors.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Valid inputs the corpus mutates, all made here: a generated 2-block llama model (n_embd 32),
 * prompt files, a GSM8K jsonl, activations [5000, 32] (more than one encode chunk of 4,096 rows),
 * an SAELens SAE trained at block 0 (F = 64, k = 4) and its codes.
 */
final class Fixtures {
    static final int D = 32;
    static final int F = 64;
    static final int K = 4;
    static final int ROWS = 5000;

    final Path dir;
    final Path model;
    final Path prompts;      // 3 short plain-text prompts
    final Path gsm;          // 6 GSM8K lines
    final Path acts;         // layer0.pos-1 [ROWS, D]
    final Path sae;          // SAELens folder, hook blocks.0.hook_resid_post
    final Path codes;        // layer0.pos-1.indices/.values [ROWS, K]
    final Sae saeWeights;

    Fixtures(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        model = dir.resolve("model.gguf");
        TestModelGenerator.write(GgufCorpus.BASE, model);
        prompts = write("prompts.txt", "12+7=19\nHow many apples are left?\n20*3=60 | 60+5=65\n");
        List<Sample> samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(3).build()).generate(6);
        gsm = dir.resolve("gsm.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(samples, gsm);
        acts = dir.resolve("acts.safetensors");
        float[] x = gaussian(ROWS * D, 11);
        SafetensorsWriter.write(acts, Map.of("layer0.pos-1", Tensor.ofFloats(x, ROWS, D)),
                Map.of("layer_convention", "llama.cpp", "format", "llama-sae-activations/1"));
        saeWeights = new Sae(D, F, gaussian(F * D, 1), gaussian(F, 2), gaussian(F * D, 3), gaussian(D, 4), null, Activation.TOPK_RELU, K);
        sae = dir.resolve("sae");
        SaeLensWriter.write(saeWeights, sae, Map.of("hook_name", "blocks.0.hook_resid_post", "hook_layer", 0));
        codes = dir.resolve("codes.safetensors");
        var c = new io.llamasae.sae.JavaEncoder().encode(saeWeights, x, ROWS, K);
        SafetensorsWriter.write(codes, Map.of("layer0.pos-1.indices", Tensor.ofInts(c.indices(), ROWS, K),
                "layer0.pos-1.values", Tensor.ofFloats(c.values(), ROWS, K)), Map.of("n_latents", Integer.toString(F)));
    }

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (0.5 * r.nextGaussian());
        return a;
    }

    /** A named pipe (mkfifo, coreutils): reading it would block until something writes. */
    Path fifo(String name) throws IOException, InterruptedException {
        Path p = dir.resolve(name);
        Files.deleteIfExists(p);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (mk.waitFor() != 0) throw new IOException("mkfifo failed");
        return p;
    }

    /** Every F32 tensor of a safetensors file, by name. */
    static Map<String, float[]> floats(Path file) throws IOException {
        Map<String, float[]> out = new TreeMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (String n : r.tensors().keySet()) {
                if (r.info(n).dtype() == io.llamasae.sae.safetensors.DType.F32) out.put(n, r.readFloats(n));
            }
        }
        return out;
    }

    /** null when every float of {@code file} is finite, else where the first one is not. */
    static String finite(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return file + " was not written";
        for (var e : floats(file).entrySet()) {
            float[] v = e.getValue();
            for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) return e.getKey() + "[" + i + "] = " + v[i];
        }
        return null;
    }
}
