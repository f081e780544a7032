package io.llamasae.spark.bench;

import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.spark.SparkFixture;
import io.llamasae.sae.SaeLensWriter;
import java.nio.file.Path;

/**
 * Inputs for timing {@code sweep --spark} at 1 and 2 executors: a generated llama-architecture model, synthetic
 * problems, and a random Top-K SAE per block under {@code DIR/saes/layer{L}}.
 *
 * <pre>java -cp spark/target/test-classes:spark/target/llama-sae-spark.jar io.llamasae.spark.bench.ThroughputInputs \
 *     DIR BLOCKS N_EMBD N_FF SAMPLES LATENTS K</pre>
 */
public final class ThroughputInputs {
    private ThroughputInputs() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int blocks = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        int ff = Integer.parseInt(args[3]);
        int samples = Integer.parseInt(args[4]);
        int latents = Integer.parseInt(args[5]);
        int k = Integer.parseInt(args[6]);
        TestModelGenerator.write(TestModelConfig.builder().nLayer(blocks).nEmbd(d).nHead(d / 32).nHeadKv(d / 64).nFf(ff).nCtx(512).seed(1)
                .build(), dir.resolve("model.gguf"));
        var data = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(2).build()).generate(samples);
        SyntheticArithmeticGenerator.writeGsm8kJsonl(data, dir.resolve("data.jsonl"));
        long tokens = 0;
        try (io.llamasae.engine.Model m = io.llamasae.engine.Model.load(dir.resolve("model.gguf"))) {
            for (var s : data) tokens += m.tokenize(s.prompt(), m.info().addBos()).length;
        }
        System.out.println("prompt tokens: " + tokens + " in " + samples + " prompts");
        for (int b = 0; b < blocks; b++) {
            SaeLensWriter.write(SparkFixture.randomSae(b, d, latents, k), dir.resolve("saes/layer" + b));
        }
        System.out.println("inputs in " + dir);
    }
}
