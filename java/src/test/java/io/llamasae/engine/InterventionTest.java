package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.bind.LlamaSaeLib;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.sae.Activation;
import io.llamasae.sae.ReferenceEncoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interventions inside the forward pass: bit-exact sanity checks, the delta against a double reference, generation. */
class InterventionTest {
    @TempDir
    static Path dir;
    static Model model;
    static List<int[]> prompts;
    static final int BLOCK = 1;

    @BeforeAll
    static void setUp() throws Exception {
        SharedData.requireNatives();
        Path gguf = dir.resolve("m.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(3).nEmbd(32).nHead(4).nHeadKv(2).nFf(64).seed(3)
                .weightType(GgmlType.F32).build(), gguf);
        model = Model.load(gguf);
        prompts = new ArrayList<>();
        for (String p : new String[] {"Question: 12+7=?", "20*3=60 | 60+5=65", "How many apples are left?", "48/2=24"}) {
            prompts.add(model.tokenize(p, true));
        }
    }

    @AfterAll
    static void tearDown() {
        if (model != null) model.close();
    }

    static Sae sae() {
        return NativeSaeTest.randomSae(32, 64, 6, Activation.TOPK_RELU, 17);
    }

    static float[] logits(Engine e, List<int[]> p) {
        return EngineOnSharedModelTest.copy(e.run(p).lastLogits());
    }

    static void assertBitIdentical(float[] a, float[] b, String what) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                throw new AssertionError(what + ": logit " + i + " differs: " + a[i] + " vs " + b[i]);
            }
        }
    }

    /** A latent that is inactive at the last position of every prompt (from the clean codes). */
    static int inactiveLatent(Engine e, NativeSae s) {
        e.setCapture(CaptureSpec.of(List.of(BLOCK), List.of(-1)));
        RunResult.Codes c = e.run(prompts).codes(0);
        boolean[] active = new boolean[64];
        for (int i = 0; i < c.indices().limit(); i++) if (c.indices().get(i) >= 0 && c.values().get(i) != 0) active[c.indices().get(i)] = true;
        e.setCapture(CaptureSpec.none());
        for (int f = 0; f < 64; f++) if (!active[f]) return f;
        throw new AssertionError("every latent active");
    }

    @Test
    void noOpEditsLeaveLogitsBitIdentical() {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256)); NativeSae s = NativeSae.of(sae())) {
            float[] clean = logits(e, prompts);
            e.attachSae(BLOCK, s, 0);
            int inactive = inactiveLatent(e, s);
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.swap(BLOCK, 5, 5))));
            assertBitIdentical(clean, logits(e, prompts), "swap 5 with itself");
            e.setInterventions(InterventionSpec.at(List.of(Edit.ablate(BLOCK, inactive)), List.of(-1)));
            assertBitIdentical(clean, logits(e, prompts), "ablate inactive latent " + inactive);
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.scale(BLOCK, 3, 1f))));
            assertBitIdentical(clean, logits(e, prompts), "scale by 1");
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.ablate(BLOCK, 0), Edit.ablate(BLOCK, 1), Edit.ablate(BLOCK, 2))));
            assertNotEquals(java.util.Arrays.toString(clean), java.util.Arrays.toString(logits(e, prompts)), "ablating active latents changes logits");
            e.clearInterventions();
            assertBitIdentical(clean, logits(e, prompts), "ablate then clear restores the run");
        }
    }

    @Test
    void sanityChecksHoldOnTheSharedTinyModel() {
        try (Model tiny = Model.load(SharedData.tinyModel()); Engine e = Engine.open(tiny, EngineOptions.defaults().withCtx(128));
             NativeSae s = NativeSae.of(NativeSaeTest.randomSae(8, 32, 4, Activation.TOPK_ABS, 4))) {
            List<int[]> p = List.of(tiny.tokenize("12+7=19", true), tiny.tokenize("20*3=60", true));
            float[] clean = EngineOnSharedModelTest.copy(e.run(p).lastLogits());
            e.attachSae(0, s, 0);
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.swap(0, 7, 7), Edit.scale(0, 9, 1f))));
            assertBitIdentical(clean, EngineOnSharedModelTest.copy(e.run(p).lastLogits()), "tiny model no-op edits");
        }
    }

    @Test
    void inPlaceDeltaEqualsDoublePrecisionReference() {
        Sae sae = sae();
        List<Edit> edits = List.of(Edit.ablate(BLOCK, 0), Edit.scale(BLOCK, 1, 3f), Edit.clamp(BLOCK, 2, 1.5f), Edit.swap(BLOCK, 3, 4));
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256)); NativeSae s = NativeSae.of(sae)) {
            e.attachSae(BLOCK, s, 0);
            e.setCapture(CaptureSpec.allPositions(List.of(BLOCK)));
            RunResult clean = e.run(prompts);
            int rows = (int) clean.nRows();
            float[] x = EngineOnSharedModelTest.copy(clean.rows(0));
            int[] cleanIdx = new int[rows * 6];
            clean.codes(0).indices().get(0, cleanIdx);
            e.captureAfterEdits(true);
            for (boolean reconstruction : new boolean[] {false, true}) {
                e.setInterventions(InterventionSpec.everywhere(edits).withReconstruction(reconstruction));
                RunResult run = e.run(prompts);
                float[] edited = EngineOnSharedModelTest.copy(run.rows(0));
                // Each row is encoded once: the codes of the captured (edited) rows are the z the edits started from.
                int[] editedIdx = new int[rows * 6];
                run.codes(0).indices().get(0, editedIdx);
                assertArrayEquals(cleanIdx, editedIdx, "codes of edited rows are those of the clean residual, not a second encode");
                SparseCodes z = new ReferenceEncoder().encode(sae, x, rows, 6);
                for (int r = 0; r < rows; r++) {
                    double[] zr = dense(z, r, 64);
                    double[] zp = zr.clone();
                    zp[0] = 0;
                    zp[1] = 3 * zr[1];
                    zp[2] = 1.5;
                    zp[3] = zr[4];
                    zp[4] = zr[3];
                    for (int i = 0; i < 32; i++) {
                        double expected = reconstruction ? sae.bDec()[i] : x[r * 32 + i];
                        for (int f = 0; f < 64; f++) {
                            double dz = reconstruction ? zp[f] : zp[f] - zr[f];
                            expected += dz * sae.wDec()[f * 32 + i];
                        }
                        assertEquals(expected, edited[r * 32 + i], 1e-4 * (1 + Math.abs(expected)),
                                (reconstruction ? "reconstruction" : "error-preserving") + " row " + r + " dim " + i);
                    }
                }
            }
        }
    }

    static double[] dense(SparseCodes z, int row, int f) {
        double[] out = new double[f];
        for (int s = 0; s < z.k(); s++) {
            int idx = z.index(row, s);
            if (idx >= 0) out[idx] = z.value(row, s);
        }
        return out;
    }

    @Test
    void batchedGenerationWithInterventionsEqualsOneByOne() {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512)); NativeSae s = NativeSae.of(sae())) {
            e.attachSae(BLOCK, s, 0);
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.scale(BLOCK, 0, 4f), Edit.ablate(BLOCK, 2))));
            Generation all = e.generate(prompts, GenerationOptions.greedy(8));
            for (int p = 0; p < prompts.size(); p++) {
                Generation one = e.generate(List.of(prompts.get(p)), GenerationOptions.greedy(8));
                assertArrayEquals(one.tokens().get(0), all.tokens().get(p), "prompt " + p);
            }
        }
    }

    @Test
    void steeringTowardATokenMakesTheModelSayIt() throws Exception {
        int target;
        float[] direction = new float[32];
        try (GgufReader r = GgufReader.open(model.path())) {
            float[] out = r.readFloats(r.tensor("output.weight"));
            float[] norm = r.readFloats(r.tensor("output_norm.weight"));
            target = model.tokenize("apples", false)[0];
            double n2 = 0;
            for (int i = 0; i < 32; i++) {
                direction[i] = out[target * 32 + i] * norm[i];
                n2 += direction[i] * direction[i];
            }
            for (int i = 0; i < 32; i++) direction[i] /= (float) Math.sqrt(n2);
        }
        Sae base = sae();
        float[] wDec = base.wDec().clone();
        System.arraycopy(direction, 0, wDec, 0, 32);
        Sae steerSae = new Sae(32, 64, base.wEnc(), base.bEnc(), wDec, base.bDec(), null, Activation.TOPK_RELU, 6);
        int last = model.info().nLayer() - 1;
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512)); NativeSae s = NativeSae.of(steerSae)) {
            Generation clean = e.generate(prompts, GenerationOptions.greedy(3));
            e.attachSae(last, s, 0);
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.steer(last, 0, 0f))));
            Generation zero = e.generate(prompts, GenerationOptions.greedy(3));
            for (int p = 0; p < prompts.size(); p++) assertArrayEquals(clean.tokens().get(p), zero.tokens().get(p), "alpha 0 must not change");
            e.setInterventions(InterventionSpec.everywhere(List.of(Edit.steer(last, 0, 200f))));
            Generation steered = e.generate(prompts, GenerationOptions.greedy(3));
            int changed = 0;
            for (int p = 0; p < prompts.size(); p++) {
                assertEquals(target, steered.tokens().get(p)[0], "prompt " + p + " steered toward 'apples'");
                if (clean.tokens().get(p).length == 0 || clean.tokens().get(p)[0] != target) changed++;
            }
            assertTrue(changed > 0, "the clean model must not already say 'apples' everywhere");
        }
    }

    @Test
    void badSpecsFailBeforeTheModelRuns() {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(128)); NativeSae s = NativeSae.of(sae())) {
            LlamaSaeException noSae = assertThrows(LlamaSaeException.class,
                    () -> e.setInterventions(InterventionSpec.everywhere(List.of(Edit.ablate(0, 1)))));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_STATE, noSae.status());
            assertTrue(noSae.getMessage().contains("no SAE"), noSae.getMessage());
            e.attachSae(BLOCK, s, 0);
            LlamaSaeException range = assertThrows(LlamaSaeException.class,
                    () -> e.setInterventions(InterventionSpec.everywhere(List.of(Edit.ablate(BLOCK, 64)))));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_OUT_OF_RANGE, range.status());
            assertTrue(range.getMessage().contains("0..63"), range.getMessage());
            assertThrows(LlamaSaeException.class, () -> e.setInterventions(InterventionSpec.everywhere(List.of(Edit.swap(BLOCK, 1, 99)))));
            assertThrows(IllegalArgumentException.class, () -> Edit.scale(BLOCK, 1, Float.NaN));
            LlamaSaeException tooLong = assertThrows(LlamaSaeException.class, () -> e.generate(prompts, GenerationOptions.greedy(100)));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_CONTEXT_OVERFLOW, tooLong.status());
        }
    }
}
