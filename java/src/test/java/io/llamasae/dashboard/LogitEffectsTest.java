package io.llamasae.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Edit;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.InterventionSpec;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.RunResult;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import io.llamasae.sae.Sae;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Logit effects against two independent computations, on generated models with untied and tied
 * output, F16 and Q8_0 weights:
 * <ol>
 *   <li>double precision from the GGUF's raw bytes, decoded here (F16 bits and Q8_0 blocks written out by
 *       hand, not through the project's dequantizer);</li>
 *   <li>llama.cpp's own logits: steering the last block's residual by α·W_dec[f] moves llama.cpp's logits by
 *       exactly α·e_f once its final RMSNorm's 1/rms is undone (both runs' residuals are captured), so its
 *       dequantization, matmul and norm weight check ours.</li>
 * </ol>
 */
class LogitEffectsTest {
    @TempDir
    static Path dir;

    static final int TOP = 10;
    static double worst;

    @ParameterizedTest(name = "{0}, tied={1}")
    @CsvSource({"F16,false", "F16,true", "Q8_0,false", "Q8_0,true"})
    void logitEffectsMatchADoublePrecisionReferenceAndLlamaCppsOwnLogits(GgmlType type, boolean tied) throws Exception {
        Path model = DashboardFixtures.model(dir, type, tied);
        Sae sae = DashboardFixtures.sae(7);
        int d = DashboardFixtures.D;
        LogitEffects.Result res;
        double[][] ref;
        try (GgufReader r = GgufReader.open(model)) {
            res = LogitEffects.compute(r, sae.wDec(), sae.numLatents(), TOP, id -> "t" + id);
            assertEquals(tied, res.tied(), res.source());
            assertEquals(!tied, r.findTensor("output.weight").isPresent());
            GgufTensorInfo wu = r.tensor(tied ? "token_embd.weight" : "output.weight");
            assertEquals(type, wu.type());
            double[] g = decode(r, r.tensor("output_norm.weight"));
            double[] w = decode(r, wu);
            int vocab = (int) wu.nRows();
            ref = new double[sae.numLatents()][vocab];
            for (int f = 0; f < sae.numLatents(); f++) {
                for (int t = 0; t < vocab; t++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) s += w[t * d + i] * g[i] * sae.wDec()[f * d + i];
                    ref[f][t] = s;
                }
            }
        }
        // 1. double precision from the raw bytes: the same values, and the same tokens on top
        for (int f = 0; f < sae.numLatents(); f++) {
            double[] e = ref[f];
            double scale = 0;
            for (double v : e) scale = Math.max(scale, Math.abs(v));
            LogitEffects.FeatureEffects fe = res.perFeature().get(f);
            assertEquals(TOP, fe.promoted().size());
            double[] sorted = e.clone();
            java.util.Arrays.sort(sorted);
            for (int i = 0; i < TOP; i++) {
                LogitEffects.TokenEffect p = fe.promoted().get(i);
                LogitEffects.TokenEffect s = fe.suppressed().get(i);
                assertEquals(e[p.token()], p.value(), 1e-6 * scale, "feature " + f + " promoted #" + i);
                assertEquals(e[s.token()], s.value(), 1e-6 * scale, "feature " + f + " suppressed #" + i);
                assertEquals(sorted[sorted.length - 1 - i], p.value(), 1e-6 * scale, "the i-th largest effect");
                assertEquals(sorted[i], s.value(), 1e-6 * scale, "the i-th smallest effect");
                assertEquals("t" + p.token(), p.text());
            }
        }
        // 2. llama.cpp: steer the last block's residual and read its logits
        SharedData.requireNatives();
        int last = DashboardFixtures.BLOCKS - 1;
        try (Model m = Model.load(model);
             Engine eng = Engine.open(m, EngineOptions.defaults());
             NativeSae ns = NativeSae.of(sae);
             GgufReader r = GgufReader.open(model)) {
            double eps = r.getDouble("llama.attention.layer_norm_rms_epsilon", 1e-5);
            int[] prompt = m.tokenize("12+7=", true);
            eng.attachSae(last, ns, 0);
            eng.setCapture(CaptureSpec.of(List.of(last), List.of(-1)));
            eng.captureAfterEdits(true);
            RunResult clean = eng.run(List.of(prompt));
            float[] h = clean.row(0, 0);
            float[] lh = clean.lastLogits(0);
            worst = 0;
            for (int f : new int[] {0, 5, 17, 40, 95}) {
                double dn = 0, hn = 0;
                for (int i = 0; i < d; i++) {
                    dn += sae.wDec()[f * d + i] * sae.wDec()[f * d + i];
                    hn += h[i] * (double) h[i];
                }
                // llama.cpp multiplies F16 weights by an F16-rounded input, and Q8_0 weights by an 8-bit-quantized one
                double tol = type == GgmlType.F16 ? 2e-3 : 2e-2;
                float alpha = (float) (20 * Math.sqrt(hn / dn));   // the steered residual is dominated by α·W_dec[f]
                eng.setInterventions(InterventionSpec.at(List.of(Edit.steer(last, f, alpha)), List.of(-1)));
                RunResult steered = eng.run(List.of(prompt));
                float[] x = steered.row(0, 0);
                float[] lx = steered.lastLogits(0);
                eng.clearInterventions();
                // logits = W_U (g ⊙ v / rms(v)), so W_U (g ⊙ α W_dec[f]) = lx·rms(x) − lh·rms(h)
                double rx = rms(x, eps), rh = rms(h, eps);
                double scale = 0;
                for (double v : ref[f]) scale = Math.max(scale, Math.abs(v));
                LogitEffects.FeatureEffects fe = res.perFeature().get(f);
                double llamaMax = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < lx.length; t++) llamaMax = Math.max(llamaMax, (lx[t] * rx - lh[t] * rh) / alpha);
                for (List<LogitEffects.TokenEffect> side : List.of(fe.promoted(), fe.suppressed())) {
                    for (LogitEffects.TokenEffect te : side) {
                        double llama = (lx[te.token()] * rx - lh[te.token()] * rh) / alpha;
                        worst = Math.max(worst, Math.abs(llama - te.value()) / scale);
                        assertEquals(llama, te.value(), tol * scale, type + " tied=" + tied + " feature " + f + " token " + te.token());
                    }
                }
                assertTrue(fe.promoted().get(0).value() >= llamaMax - tol * scale, "our top promoted token is llama.cpp's top within tolerance");
                assertFalse(fe.promoted().get(0).value() <= 0, "the top effect of a random direction is positive");
            }
            eng.attachSae(last, null, 0);
        }
        System.out.printf("logit effects vs llama.cpp (%s, tied=%s): worst |difference| %.2e of the largest effect%n", type, tied, worst);
    }

    static double rms(float[] v, double eps) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s / v.length + eps);
    }

    /** F32, F16 and Q8_0 decoded from the tensor's raw little-endian bytes, written out here on purpose. */
    static double[] decode(GgufReader r, GgufTensorInfo t) throws Exception {
        ByteBuffer b = r.mapData(t).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) t.nElements();
        double[] out = new double[n];
        switch (t.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) out[i] = b.getFloat();
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = half(b.getShort());
            }
            case Q8_0 -> {
                for (int blk = 0; blk < n / 32; blk++) {
                    double scale = half(b.getShort());
                    for (int j = 0; j < 32; j++) out[blk * 32 + j] = scale * b.get();
                }
            }
            default -> throw new AssertionError("no reference decoder for " + t.type());
        }
        return out;
    }

    /** IEEE 754 binary16: sign, 5-bit exponent (bias 15), 10-bit fraction; subnormals when the exponent is 0. */
    static double half(short bits) {
        int s = (bits >> 15) & 1, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        double v = e == 0 ? m / 1024.0 * Math.pow(2, -14) : e == 31 ? (m == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : (1 + m / 1024.0) * Math.pow(2, e - 15);
        return s == 1 ? -v : v;
    }
}
