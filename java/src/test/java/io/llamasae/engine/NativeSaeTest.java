package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.sae.Activation;
import io.llamasae.sae.ReferenceEncoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SparseCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The native encode (standalone and inside the hook) against the double-precision reference encoder. */
class NativeSaeTest {
    @BeforeAll
    static void natives() {
        SharedData.requireNatives();
    }

    static Sae randomSae(int d, int f, int k, Activation act, long seed) {
        Random rnd = new Random(seed);
        float[] wEnc = new float[f * d];
        float[] wDec = new float[f * d];
        float[] bEnc = new float[f];
        float[] bDec = new float[d];
        for (int i = 0; i < wEnc.length; i++) {
            wEnc[i] = (float) rnd.nextGaussian();
            wDec[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < f; i++) bEnc[i] = (float) (0.5 * rnd.nextGaussian());
        for (int i = 0; i < d; i++) bDec[i] = (float) (0.1 * rnd.nextGaussian());
        float[] thr = null;
        if (act == Activation.JUMPRELU) {
            thr = new float[f];
            for (int i = 0; i < f; i++) thr[i] = (float) Math.abs(rnd.nextGaussian());
        }
        return new Sae(d, f, wEnc, bEnc, wDec, bDec, thr, act, k);
    }

    static float[] randomRows(int n, int d, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** Indices equal unless the reference keys of the two candidates are within float rounding. */
    static void assertCodesMatch(SparseCodes expected, SparseCodes got, String what) {
        assertEquals(expected.n(), got.n());
        assertEquals(expected.k(), got.k());
        for (int i = 0; i < expected.indices().length; i++) {
            assertEquals(expected.indices()[i], got.indices()[i], what + ": index at flat " + i);
            float e = expected.values()[i];
            assertEquals(e, got.values()[i], 1e-4f * (1 + Math.abs(e)), what + ": value at flat " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void standaloneEncodeEqualsReference(Activation act) {
        for (int[] shape : new int[][] {{13, 37, 5}, {64, 512, 16}, {7, 100, 1}, {9, 24, 24}}) {
            int d = shape[0], f = shape[1], k = shape[2];
            Sae sae = randomSae(d, f, k, act, 31L * d + f);
            float[] x = randomRows(50, d, d + 7L * f);
            SparseCodes ref = new ReferenceEncoder().encode(sae, x, 50, k);
            try (NativeSae n = NativeSae.of(sae)) {
                assertCodesMatch(ref, n.encode(x, 50, k, 2), act + " d=" + d + " F=" + f + " k=" + k);
                float[] recon = n.decode(ref);
                float[] refRecon = ReferenceEncoder.decode(sae, ref);
                for (int i = 0; i < recon.length; i++) assertEquals(refRecon[i], recon[i], 1e-4f * (1 + Math.abs(refRecon[i])));
            }
        }
    }

    @Test
    void codesComputedInTheHookEqualStandaloneEncodeOfTheCapturedRows() {
        try (Model model = Model.load(SharedData.tinyModel());
             Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256))) {
            Sae sae = randomSae(model.info().nEmbd(), 64, 8, Activation.TOPK_ABS, 5);
            try (NativeSae s = NativeSae.of(sae)) {
                e.setCapture(CaptureSpec.of(List.of(0), List.of(1, -1)));
                e.attachSae(0, s, 0);
                List<int[]> prompts = new ArrayList<>();
                for (String p : new String[] {"12+7=19", "20*3=60 | 60+5=65", "How many apples?"}) prompts.add(model.tokenize(p, true));
                RunResult r = e.run(prompts);
                int rows = (int) r.nRows();
                float[] x = new float[rows * model.info().nEmbd()];
                r.rows(0).get(x);
                RunResult.Codes c = r.codes(0);
                int[] idx = new int[rows * c.k()];
                float[] val = new float[rows * c.k()];
                c.indices().get(idx);
                c.values().get(val);
                SparseCodes standalone = s.encode(x, rows, 0, 1);
                assertArrayEquals(standalone.indices(), idx);
                assertArrayEquals(standalone.values(), val, 0f);
                assertCodesMatch(new ReferenceEncoder().encode(sae, x, rows, 8), new SparseCodes(rows, c.k(), idx, val), "hook");
            }
        }
    }

    @Test
    void badSaesAreRejectedBeforeTheModelIsTouched() {
        Sae sae = randomSae(8, 16, 4, Activation.TOPK_RELU, 1);
        try (NativeSae s = NativeSae.of(sae)) {
            RuntimeException k = assertThrows(RuntimeException.class, () -> s.encode(new float[8], 1, 17, 1));
            assertTrue(k.getMessage().contains("17"), k.getMessage());
        }
        try (Model model = Model.load(SharedData.tinyModel()); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(64));
             NativeSae wide = NativeSae.of(randomSae(16, 32, 4, Activation.TOPK_RELU, 2))) {
            e.setCapture(CaptureSpec.of(List.of(0), List.of(-1)));
            RuntimeException width = assertThrows(RuntimeException.class, () -> e.attachSae(0, wide, 0));
            assertTrue(width.getMessage().contains("16") && width.getMessage().contains("8"), width.getMessage());
        }
    }

    @Test
    void aClosedAttachedSaeIsRefusedInsteadOfCrashing() {
        try (Model model = Model.load(SharedData.tinyModel()); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(64))) {
            NativeSae s = NativeSae.of(randomSae(8, 16, 4, Activation.TOPK_RELU, 3));
            e.setCapture(CaptureSpec.of(List.of(0), List.of(-1)));
            e.attachSae(0, s, 0);
            s.close();
            IllegalStateException ex = assertThrows(IllegalStateException.class, () -> e.run(List.of(model.tokenize("12+7", true))));
            assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        }
    }
}
