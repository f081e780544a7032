package io.llamasae.spark;

import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.sae.RandomSaes;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLensWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Inputs the Spark tests share, made on the spot: a generated 3-block llama-architecture model, synthetic GSM8K-style
 * problems, and one random Top-K SAE per block in SAELens format under {@code saes/layer{L}}.
 */
public final class SparkFixture {
    static final int BLOCKS = 3;
    static final int D = 64;
    static final int LATENTS = 96;
    static final int K = 8;

    final Path model;
    final Path dataset;
    final Path saes;
    final List<Sample> samples;

    SparkFixture(Path dir, int samples) throws IOException {
        this.model = dir.resolve("model.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(BLOCKS).nEmbd(D).nHead(4).nHeadKv(2).nFf(128).nCtx(512).seed(7).build(),
                model);
        this.samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(3).build()).generate(samples);
        this.dataset = dir.resolve("data.jsonl");
        SyntheticArithmeticGenerator.writeGsm8kJsonl(this.samples, dataset);
        this.saes = dir.resolve("saes");
        for (int b = 0; b < BLOCKS; b++) {
            SaeLensWriter.write(randomSae(100 + b, D, LATENTS, K), saes.resolve("layer" + b));
        }
    }

    /** A Top-K (ReLU) SAE with Gaussian weights scaled by 1/sqrt(fan-in) and small biases. */
    public static Sae randomSae(long seed, int d, int latents, int k) {
        return RandomSaes.gaussian(seed, d, latents, k);
    }
}
