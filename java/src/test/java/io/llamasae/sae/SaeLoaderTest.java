package io.llamasae.sae;

import io.llamasae.io.HalfFloats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.SafetensorsWriter;
import io.llamasae.sae.safetensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each loader reads files written here in that library's own convention and must produce the
 * codes that the library's own encode formula gives (computed here in double, straight from the
 * raw tensors, without the canonical folding).
 */
class SaeLoaderTest {
    @TempDir
    Path dir;

    private final Random rng = new Random(42);
    private static final int D = 12;
    private static final int F = 40;
    private static final int N = 64;

    private float[] g(int len, double scale) {
        return ReferenceEncoderTest.gauss(rng, len, scale);
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** pre[n][f] = bEnc[f] + sum_i wEncFd[f, i] * (x[n, i] - preBias[i]) in double (preBias may be null). */
    private static double[][] pre(float[] wEncFd, float[] bEnc, float[] preBias, float[] x) {
        double[][] out = new double[N][F];
        for (int r = 0; r < N; r++) {
            for (int f = 0; f < F; f++) {
                double acc = bEnc[f];
                for (int i = 0; i < D; i++) {
                    acc += (double) wEncFd[f * D + i] * (x[r * D + i] - (preBias == null ? 0 : preBias[i]));
                }
                out[r][f] = acc;
            }
        }
        return out;
    }

    /** Contract selection over precomputed pre-activations (independent of ReferenceEncoder). */
    private static SparseCodes select(double[][] pre, Activation a, float[] thr, int k) {
        int[] idx = new int[N * k];
        float[] val = new float[N * k];
        for (int r = 0; r < N; r++) {
            List<Integer> cand = new ArrayList<>();
            for (int f = 0; f < F; f++) {
                boolean ok = switch (a) {
                    case TOPK_RELU, TOPK_ABS -> true;
                    case RELU -> pre[r][f] > 0;
                    case JUMPRELU -> pre[r][f] > thr[f];
                };
                if (ok) {
                    cand.add(f);
                }
            }
            final double[] p = pre[r];
            cand.sort((u, v) -> {
                double ku = a == Activation.TOPK_ABS ? Math.abs(p[u]) : p[u];
                double kv = a == Activation.TOPK_ABS ? Math.abs(p[v]) : p[v];
                return ku != kv ? Double.compare(kv, ku) : Integer.compare(u, v);
            });
            for (int j = 0; j < k; j++) {
                if (j < cand.size()) {
                    int f = cand.get(j);
                    idx[r * k + j] = f;
                    val[r * k + j] = (float) (a == Activation.TOPK_RELU ? Math.max(p[f], 0) : p[f]);
                } else {
                    idx[r * k + j] = -1;
                }
            }
        }
        return new SparseCodes(N, k, idx, val);
    }

    private void assertSameCodes(SparseCodes expected, Sae loaded, int k, float[] x) {
        SparseCodes got = new ReferenceEncoder().encode(loaded, x, N, k);
        assertArrayEquals(expected.indices(), got.indices(), "indices");
        assertArrayEquals(expected.values(), got.values(), 2e-5f, "values");
        SparseCodes fast = new JavaEncoder().encode(loaded, x, N, k);
        assertArrayEquals(expected.indices(), fast.indices(), "JavaEncoder indices");
    }

    private void writeJson(Path p, String json) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, json);
    }

    @Test
    void saeLensTopKWithPreEncoderBias() throws Exception {
        float[] wEncFd = g(F * D, 1), bEnc = g(F, 0.5), wDec = g(F * D, 1), bDec = g(D, 0.7), x = g(N * D, 1);
        Path sae = dir.resolve("saelens-topk");
        SafetensorsWriter.write(sae.resolve("sae_weights.safetensors"), Map.of(
                "W_enc", Tensor.ofFloats(transpose(wEncFd, F, D), D, F), "b_enc", Tensor.ofFloats(bEnc, F),
                "W_dec", Tensor.ofFloats(wDec, F, D), "b_dec", Tensor.ofFloats(bDec, D)), Map.of());
        writeJson(sae.resolve("cfg.json"), "{\"d_in\": 12, \"d_sae\": 40, \"architecture\": \"topk\", "
                + "\"activation_fn_kwargs\": {\"k\": 7}, \"apply_b_dec_to_input\": true, "
                + "\"normalize_activations\": \"none\"}");
        assertEquals(SaeFormat.SAELENS, SaeLoader.detect(sae));
        Sae s = SaeLoader.load(sae, Optional.empty());
        assertEquals(Activation.TOPK_RELU, s.activation());
        assertEquals(7, s.defaultK());
        assertArrayEquals(wDec, s.wDec());
        assertArrayEquals(bDec, s.bDec());
        assertSameCodes(select(pre(wEncFd, bEnc, bDec, x), Activation.TOPK_RELU, null, 7), s, 7, x);
    }

    @Test
    void saeLensJumpReluAndStandardWithoutPreBias() throws Exception {
        float[] wEncFd = g(F * D, 1), bEnc = g(F, 0.5), wDec = g(F * D, 1), bDec = g(D, 0.7), x = g(N * D, 1);
        float[] thr = new float[F];
        for (int f = 0; f < F; f++) {
            thr[f] = (float) Math.abs(rng.nextGaussian());
        }
        Path jr = dir.resolve("saelens-jumprelu");
        SafetensorsWriter.write(jr.resolve("sae_weights.safetensors"), Map.of(
                "W_enc", Tensor.ofFloats(transpose(wEncFd, F, D), D, F), "b_enc", Tensor.ofFloats(bEnc, F),
                "W_dec", Tensor.ofFloats(wDec, F, D), "b_dec", Tensor.ofFloats(bDec, D),
                "threshold", Tensor.ofFloats(thr, F)), Map.of());
        writeJson(jr.resolve("cfg.json"), "{\"d_in\": 12, \"d_sae\": 40, \"architecture\": \"jumprelu\", "
                + "\"apply_b_dec_to_input\": false}");
        Sae s = SaeLoader.load(jr, Optional.empty(), OptionalInt.of(F));
        assertEquals(Activation.JUMPRELU, s.activation());
        assertArrayEquals(thr, s.threshold());
        assertArrayEquals(bEnc, s.bEnc(), "no pre-bias: b_enc unchanged");
        assertSameCodes(select(pre(wEncFd, bEnc, null, x), Activation.JUMPRELU, thr, F), s, F, x);

        Path std = dir.resolve("saelens-standard");
        SafetensorsWriter.write(std.resolve("sae_weights.safetensors"), Map.of(
                "W_enc", Tensor.ofHalfs(DType.BF16, transpose(wEncFd, F, D), D, F), "b_enc", Tensor.ofFloats(bEnc, F),
                "W_dec", Tensor.ofFloats(wDec, F, D), "b_dec", Tensor.ofFloats(bDec, D)), Map.of());
        writeJson(std.resolve("cfg.json"), "{\"d_in\": 12, \"d_sae\": 40, \"architecture\": \"standard\", "
                + "\"activation_fn_str\": \"relu\"}"); // apply_b_dec_to_input defaults to true
        Sae r = SaeLoader.load(std, Optional.empty());
        assertEquals(Activation.RELU, r.activation());
        assertEquals(F, r.defaultK(), "relu without k: every latent may be active");
        float[] bf = new float[F * D];
        float[] wt = transpose(wEncFd, F, D);
        for (int i = 0; i < bf.length; i++) {
            bf[i] = HalfFloats.bf16ToFloat(
                    HalfFloats.floatToBf16(wt[i]));
        }
        assertSameCodes(select(pre(transpose(bf, D, F), bEnc, bDec, x), Activation.RELU, null, 10), r, 10, x);
    }

    @Test
    void sparsify() throws Exception {
        float[] wEnc = g(F * D, 1), bEnc = g(F, 0.5), wDec = g(F * D, 1), bDec = g(D, 0.7), x = g(N * D, 1);
        Path sae = dir.resolve("sparsify/layers.3");
        SafetensorsWriter.write(sae.resolve("sae.safetensors"), Map.of(
                "encoder.weight", Tensor.ofFloats(wEnc, F, D), "encoder.bias", Tensor.ofFloats(bEnc, F),
                "W_dec", Tensor.ofFloats(wDec, F, D), "b_dec", Tensor.ofFloats(bDec, D)), Map.of());
        writeJson(sae.resolve("cfg.json"), "{\"expansion_factor\": 32, \"normalize_decoder\": true, "
                + "\"num_latents\": 40, \"k\": 5, \"multi_topk\": false, \"skip_connection\": false, \"d_in\": 12}");
        assertEquals(SaeFormat.SPARSIFY, SaeLoader.detect(sae));
        Sae s = SaeLoader.load(sae, Optional.empty());
        assertEquals(5, s.defaultK());
        assertSameCodes(select(pre(wEnc, bEnc, bDec, x), Activation.TOPK_RELU, null, 5), s, 5, x);
    }

    @Test
    void referenceStudy() throws Exception {
        float[] wEnc = g(F * D, 1), bEnc = g(F, 0.5), wDecFd = g(F * D, 1), bDec = g(D, 0.7), x = g(N * D, 1);
        Path file = dir.resolve("ref/sae_layer14.safetensors");
        SafetensorsWriter.write(file, Map.of(
                "encoder.weight", Tensor.ofFloats(wEnc, F, D), "encoder.bias", Tensor.ofFloats(bEnc, F),
                "decoder.weight", Tensor.ofFloats(transpose(wDecFd, F, D), D, F),
                "decoder.bias", Tensor.ofFloats(bDec, D)), Map.of());
        assertEquals(SaeFormat.REFERENCE, SaeLoader.detect(file));
        SaeFormatException noK = assertThrows(SaeFormatException.class, () -> SaeLoader.load(file, Optional.empty()));
        assertTrue(noK.getMessage().contains("k:") && noK.getMessage().contains(file.toString()), noK.getMessage());
        Sae s = SaeLoader.load(file, Optional.empty(), OptionalInt.of(9));
        assertEquals(Activation.TOPK_ABS, s.activation());
        assertArrayEquals(wEnc, s.wEnc());
        assertArrayEquals(bEnc, s.bEnc(), "no pre-bias");
        assertArrayEquals(wDecFd, s.wDec());
        assertSameCodes(select(pre(wEnc, bEnc, null, x), Activation.TOPK_ABS, null, 9), s, 9, x);
        // Decode uses decoder.weight^T and decoder.bias.
        SparseCodes c = new ReferenceEncoder().encode(s, x, N, 9);
        float[] xh = ReferenceEncoder.decode(s, c);
        double expect0 = bDec[0];
        for (int j = 0; j < 9; j++) {
            expect0 += (double) c.value(0, j) * wDecFd[c.index(0, j) * D];
        }
        assertEquals(expect0, xh[0], 1e-5);
        // With a cfg.json beside it, k comes from there.
        writeJson(dir.resolve("ref/cfg.json"), "{\"k\": 11}");
        assertEquals(11, SaeLoader.load(file, Optional.of(SaeFormat.REFERENCE)).defaultK());
    }

    @Test
    void dictionaryLearningTopK() throws Exception {
        float[] wEnc = g(F * D, 1), bEnc = g(F, 0.5), wDecFd = g(F * D, 1), bDec = g(D, 0.7), x = g(N * D, 1);
        Path file = dir.resolve("dl/ae.safetensors");
        SafetensorsWriter.write(file, Map.of(
                "encoder.weight", Tensor.ofFloats(wEnc, F, D), "encoder.bias", Tensor.ofFloats(bEnc, F),
                "decoder.weight", Tensor.ofFloats(transpose(wDecFd, F, D), D, F), "b_dec", Tensor.ofFloats(bDec, D),
                "k", Tensor.ofLongs(new long[] {6}), "threshold", Tensor.ofFloats(new float[] {0.1f})), Map.of());
        assertEquals(SaeFormat.DICTIONARY_LEARNING, SaeLoader.detect(dir.resolve("dl")));
        Sae s = SaeLoader.load(dir.resolve("dl"), Optional.empty());
        assertEquals(6, s.defaultK());
        assertEquals(Activation.TOPK_RELU, s.activation());
        assertNull(s.threshold());
        assertSameCodes(select(pre(wEnc, bEnc, bDec, x), Activation.TOPK_RELU, null, 6), s, 6, x);
    }

    @Test
    void saeLensRoundTripIsExactForEveryActivation() throws Exception {
        for (Activation a : Activation.values()) {
            float[] thr = a == Activation.JUMPRELU ? g(F, 1) : null;
            Sae s = new Sae(D, F, g(F * D, 1), g(F, 1), g(F * D, 1), g(D, 1), thr, a, 13);
            Path out = dir.resolve("rt-" + a.id());
            SaeLensWriter.write(s, out, Map.of("model_name", "tiny"));
            Sae back = SaeLoader.load(out, Optional.empty());
            assertSame(a, back.activation());
            assertEquals(13, back.defaultK());
            assertArrayEquals(s.wEnc(), back.wEnc());
            assertArrayEquals(s.bEnc(), back.bEnc());
            assertArrayEquals(s.wDec(), back.wDec());
            assertArrayEquals(s.bDec(), back.bDec());
            assertArrayEquals(s.threshold(), back.threshold());
            assertTrue(Files.readString(out.resolve("cfg.json")).contains("\"model_name\" : \"tiny\""));
        }
    }

    @Test
    void badFilesGiveMessagesNamingFileAndField() throws Exception {
        Path sae = dir.resolve("bad");
        Map<String, Tensor> t = new HashMap<>(Map.of(
                "W_enc", Tensor.ofFloats(new float[D * F], D, F), "b_enc", Tensor.ofFloats(new float[F], F),
                "W_dec", Tensor.ofFloats(new float[F * (D - 1)], F, D - 1), "b_dec", Tensor.ofFloats(new float[D], D)));
        SafetensorsWriter.write(sae.resolve("sae_weights.safetensors"), t, Map.of());
        writeJson(sae.resolve("cfg.json"), "{\"d_in\": 12, \"d_sae\": 40, \"architecture\": \"topk\", \"k\": 4}");
        SaeFormatException e = assertThrows(SaeFormatException.class, () -> SaeLoader.load(sae, Optional.empty()));
        assertTrue(e.getMessage().contains("'W_dec'") && e.getMessage().contains("[40, 12]")
                && e.getMessage().contains("[40, 11]"), e.getMessage());

        float[] wDec = new float[F * D];
        wDec[5 * D + 3] = Float.NaN;
        t.put("W_dec", Tensor.ofFloats(wDec, F, D));
        SafetensorsWriter.write(sae.resolve("sae_weights.safetensors"), t, Map.of());
        e = assertThrows(SaeFormatException.class, () -> SaeLoader.load(sae, Optional.empty()));
        assertTrue(e.getMessage().contains("sae_weights.safetensors") && e.getMessage().contains("W_dec")
                && e.getMessage().contains("[5, 3]"), e.getMessage());

        t.put("W_dec", Tensor.ofFloats(new float[F * D], F, D));
        SafetensorsWriter.write(sae.resolve("sae_weights.safetensors"), t, Map.of());
        e = assertThrows(SaeFormatException.class,
                () -> SaeLoader.load(sae, Optional.empty(), OptionalInt.of(F + 1)));
        assertTrue(e.getMessage().contains("k: expected 1 <= k <= F = 40 but found 41"), e.getMessage());

        writeJson(sae.resolve("cfg.json"), "{\"d_in\": 16, \"d_sae\": 40, \"architecture\": \"topk\", \"k\": 4}");
        e = assertThrows(SaeFormatException.class, () -> SaeLoader.load(sae, Optional.empty()));
        assertTrue(e.getMessage().contains("cfg.json: d_in: expected 12"), e.getMessage());

        e = assertThrows(SaeFormatException.class, () -> SaeLoader.load(sae, Optional.of(SaeFormat.SPARSIFY)));
        assertTrue(e.getMessage().contains("encoder.weight"), e.getMessage());

        e = assertThrows(SaeFormatException.class, () -> SaeLoader.load(dir.resolve("missing"), Optional.empty()));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
