package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ReferenceLlama against activations recorded from the pinned llama.cpp on generated models
 * (see llamacpp/README.md next to this file). Also pins the generator: different weights or vocabulary
 * would break the match.
 */
class LlamaCppGoldenTest {
    @TempDir
    Path dir;

    static Path golden(String name) {
        return Path.of(System.getProperty("basedir", "."), "src/test/java/io/llamasae/model/llamacpp", name);
    }

    private ReferenceCheck.Report check(GgmlType type, String dumpName) throws Exception {
        Path dump = golden(dumpName);
        assumeTrue(Files.exists(dump), "golden dump " + dump + " not found (run from the java/ module)");
        Path model = dir.resolve("m.gguf");
        TestModelGenerator.write(TestModelConfig.builder().seed(7).weightType(type).build(), model);
        LlamaCppDump d = LlamaCppDump.read(dump);
        // llama.cpp's SPM tokenization of "Janet has 12 apples. 12+7=19. How many?" with BOS
        assertArrayEquals(new int[] {1, 745, 379, 1101, 612, 273, 1101, 270, 282, 288, 1210, 273, 800, 396, 290}, d.tokens());
        try (GgufReader r = GgufReader.open(model)) {
            return ReferenceCheck.compare(ReferenceLlama.load(r), d);
        }
    }

    @Test
    void f32ModelMatchesLlamaCppToFloatRounding() throws Exception {
        ReferenceCheck.Report rep = check(GgmlType.F32, "gen-f32-seed7.lsad");
        // measured 2e-7: llama.cpp computes in F32 with F32 weights and F32 KV cache
        assertTrue(rep.worstRelError() < 2e-6, rep.toString());
        assertEquals(1.0, rep.argmaxAgreement());
    }

    @Test
    void f16ModelMatchesLlamaCppToHalfRounding() throws Exception {
        ReferenceCheck.Report rep = check(GgmlType.F16, "gen-f16-seed7.lsad");
        // measured 4e-4: ggml's CPU matmul rounds activations to F16 for F16 weights
        assertTrue(rep.worstRelError() < 2e-3, rep.toString());
        assertTrue(rep.worstRelError() > 1e-6, "F16 activations cannot match exactly: " + rep);
        assertEquals(1.0, rep.argmaxAgreement());
    }
}
