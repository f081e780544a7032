package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reads the project's shared llama-2-tiny-random.gguf (skipped when ../shared is absent). */
class SharedTinyModelTest {

    static Path tinyModel() {
        String shared = System.getProperty("llama.sae.shared");
        assumeTrue(shared != null, "system property llama.sae.shared not set: shared model unavailable");
        Path p = Path.of(shared, "models", "llama-2-tiny-random.gguf");
        assumeTrue(Files.exists(p), "shared model " + p + " not found");
        return p;
    }

    @Test
    void readsHeaderMetadataAndTensors() throws Exception {
        try (GgufReader r = GgufReader.open(tinyModel())) {
            assertEquals(3, r.version());
            assertEquals("llama", r.requireString("general.architecture"));
            assertEquals(32000, r.require("tokenizer.ggml.tokens").asArray().size());
            assertEquals("<0x00>", r.require("tokenizer.ggml.tokens").asArray().asStrings()[3]);
            assertEquals(12, r.tensors().size());
            assertEquals(GgmlType.F16, r.tensor("token_embd.weight").type());
            assertEquals(GgmlType.F32, r.tensor("output_norm.weight").type());
            float[] emb = r.readFloats(r.tensor("token_embd.weight"));
            assertEquals(8 * 32000, emb.length);
            double sumSq = 0;
            for (float v : emb) {
                assertTrue(Float.isFinite(v));
                sumSq += v * v;
            }
            assertTrue(sumSq > 0);
        }
    }

    @Test
    void referenceRunsOnTheTinyModel() throws Exception {
        try (GgufReader r = GgufReader.open(tinyModel())) {
            ReferenceLlama ref = ReferenceLlama.load(r);
            LlamaHyperParams hp = ref.hyperParams();
            assertEquals(1, hp.nLayer());
            assertEquals(8, hp.nEmbd());
            assertEquals(4, hp.headDim());
            assertEquals(32000, hp.nVocab());
            ReferenceLlama.Result res = ref.forward(new int[] {1, 2627, 300, 756});
            for (double[] row : res.logits()) {
                for (double v : row) {
                    assertTrue(Double.isFinite(v));
                }
            }
        }
    }
}
