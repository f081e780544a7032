package io.llamasae.validation;

import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLensWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small files for validation tests: a 2-block generated model, a random SAE with a dead latent, a GSM8K-style dataset. */
final class ValidationFixtures {
    static final int D = 32;
    static final int F = 64;
    static final int K = 6;
    /** Never active: zero encoder row and a very negative bias. */
    static final int DEAD = 63;

    private ValidationFixtures() {}

    static Path model(Path dir) throws IOException {
        Path gguf = dir.resolve("m.gguf");
        if (!Files.exists(gguf)) {
            TestModelGenerator.write(TestModelConfig.builder().nLayer(2).nEmbd(D).nHead(4).nHeadKv(2).nFf(64).seed(11)
                    .weightType(GgmlType.F32).build(), gguf);
        }
        return gguf;
    }

    /** Random top-k ReLU SAE (as {@code NativeSaeTest.randomSae}) with latent {@link #DEAD} never active. */
    static Sae sae() {
        Random rnd = new Random(17);
        float[] wEnc = new float[F * D];
        float[] wDec = new float[F * D];
        float[] bEnc = new float[F];
        float[] bDec = new float[D];
        for (int i = 0; i < wEnc.length; i++) {
            wEnc[i] = (float) rnd.nextGaussian();
            wDec[i] = (float) (0.2 * rnd.nextGaussian());
        }
        for (int i = 0; i < F; i++) bEnc[i] = (float) (0.5 * rnd.nextGaussian());
        for (int i = 0; i < D; i++) bDec[i] = (float) (0.1 * rnd.nextGaussian());
        for (int i = 0; i < D; i++) wEnc[DEAD * D + i] = 0f;
        bEnc[DEAD] = -100f;
        return new Sae(D, F, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_RELU, K);
    }

    static Path saeDir(Path dir) throws IOException {
        Path out = dir.resolve("sae");
        if (!Files.exists(out)) SaeLensWriter.write(sae(), out);
        return out;
    }

    static Path dataset(Path dir) throws IOException {
        Path out = dir.resolve("gsm.jsonl");
        String[] lines = {
            "{\"question\": \"Tom has 3 apples and buys 4 more. How many apples?\", \"answer\": \"3+4=<<3+4=7>>7\\n#### 7\"}",
            "{\"question\": \"A box has 20 pens. 5 are used. How many are left?\", \"answer\": \"20-5=<<20-5=15>>15\\n#### 15\"}",
            "{\"question\": \"Each bag has 6 eggs. How many eggs in 3 bags?\", \"answer\": \"6*3=<<6*3=18>>18\\n#### 18\"}",
            "{\"question\": \"12 cookies are shared by 4 kids. How many each?\", \"answer\": \"12/4=<<12/4=3>>3\\n#### 3\"}",
            "{\"question\": \"Sam has 2 cats and 5 dogs. How many pets?\", \"answer\": \"2+5=<<2+5=7>>7\\n#### 7\"}",
            "{\"question\": \"A shop sells 10 cakes at 2 dollars each. How much money?\", \"answer\": \"10*2=<<10*2=20>>20\\n#### 20\"}",
        };
        Files.writeString(out, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return out;
    }
}
