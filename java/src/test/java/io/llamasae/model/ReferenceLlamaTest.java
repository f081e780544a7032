package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufFormatException;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import io.llamasae.model.gguf.GgufValue;
import io.llamasae.model.gguf.GgufWriter;
import io.llamasae.io.HalfFloats;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceLlamaTest {
    @TempDir
    static Path dir;
    static Path f32Model;
    static ReferenceLlama f32;
    static final int[] TOKENS = {1, 745, 379, 1101, 612, 273, 1101, 270, 282, 288, 1210};

    @BeforeAll
    static void generate() throws Exception {
        f32Model = dir.resolve("f32.gguf");
        TestModelGenerator.write(TestModelConfig.builder().seed(3).build(), f32Model);
        f32 = load(f32Model);
    }

    static ReferenceLlama load(Path p) throws Exception {
        try (GgufReader r = GgufReader.open(p)) {
            return ReferenceLlama.load(r);
        }
    }

    @Test
    void shapesAndNonDegenerateActivations() {
        ReferenceLlama.Result res = f32.forward(TOKENS);
        LlamaHyperParams hp = f32.hyperParams();
        assertEquals(4, res.layerOutputs().length);
        assertEquals(TOKENS.length, res.layerOutputs()[3].length);
        assertEquals(hp.nEmbd(), res.layerOutputs()[3][0].length);
        assertEquals(TestVocabulary.size(), res.logits()[0].length);
        // each block changes the residual stream noticeably and logits spread over O(1)
        for (int il = 1; il < 4; il++) {
            double diff = 0;
            for (int i = 0; i < hp.nEmbd(); i++) {
                diff = Math.max(diff, Math.abs(res.layerOutputs()[il][5][i] - res.layerOutputs()[il - 1][5][i]));
            }
            assertTrue(diff > 0.05, "layer " + il + " changes the residual by " + diff);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : res.logits()[5]) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(max - min > 1.0 && Double.isFinite(max - min), "logit range " + (max - min));
    }

    @Test
    void outputAtPositionTIgnoresLaterTokens() {
        int[] changed = TOKENS.clone();
        for (int t = 7; t < changed.length; t++) {
            changed[t] = 300 + t;
        }
        ReferenceLlama.Result a = f32.forward(TOKENS);
        ReferenceLlama.Result b = f32.forward(changed);
        for (int il = 0; il < 4; il++) {
            for (int t = 0; t < 7; t++) {
                assertArrayEquals(a.layerOutputs()[il][t], b.layerOutputs()[il][t], 0.0, "layer " + il + " position " + t);
            }
            // and the changed positions do differ
            assertTrue(Math.abs(a.layerOutputs()[il][8][0] - b.layerOutputs()[il][8][0]) > 1e-6);
        }
        for (int t = 0; t < 7; t++) {
            assertArrayEquals(a.logits()[t], b.logits()[t], 0.0);
        }
        // a prefix run gives the same outputs as the full run at those positions
        ReferenceLlama.Result prefix = f32.forward(java.util.Arrays.copyOf(TOKENS, 4));
        assertArrayEquals(a.logits()[3], prefix.logits()[3], 0.0);
    }

    @Test
    void f16ModelOfTheSameSeedIsClose() throws Exception {
        Path p = dir.resolve("f16.gguf");
        TestModelGenerator.write(TestModelConfig.builder().seed(3).weightType(GgmlType.F16).build(), p);
        ReferenceLlama.Result a = f32.forward(TOKENS);
        ReferenceLlama.Result b = load(p).forward(TOKENS);
        float[] flat = new float[TOKENS.length * TestVocabulary.size()];
        int k = 0;
        for (double[] row : b.logits()) {
            for (double v : row) {
                flat[k++] = (float) v;
            }
        }
        ActivationComparison c = ActivationComparison.of(flat, a.logits());
        // F16 weights carry ~2^-11 relative rounding: logits agree to well under 1%, but not exactly
        assertTrue(c.rmsRelError() < 5e-3 && c.rmsRelError() > 1e-6, c.toString());
    }

    /** One token at position 0: RoPE is the identity and attention returns V, so a block is plain algebra. */
    @Test
    void singleTokenMatchesHandWrittenAlgebra() throws Exception {
        int token = 612;
        ReferenceLlama.Result res = f32.forward(new int[] {token});
        try (GgufReader r = GgufReader.open(f32Model)) {
            int e = 64;
            int hd = 16;
            double[] x = new double[e];
            float[] emb = r.readRows(r.tensor("token_embd.weight"), token, 1);
            for (int i = 0; i < e; i++) {
                x[i] = emb[i];
            }
            for (int il = 0; il < 4; il++) {
                String p = "blk." + il + ".";
                double[] h = norm(x, r.readFloats(r.tensor(p + "attn_norm.weight")));
                double[] v = mul(r.readFloats(r.tensor(p + "attn_v.weight")), h, 32);
                // 4 query heads share 2 KV heads: heads 0,1 -> kv 0, heads 2,3 -> kv 1
                double[] attn = new double[e];
                for (int head = 0; head < 4; head++) {
                    for (int d = 0; d < hd; d++) {
                        attn[head * hd + d] = v[(head / 2) * hd + d];
                    }
                }
                double[] o = mul(r.readFloats(r.tensor(p + "attn_output.weight")), attn, e);
                for (int i = 0; i < e; i++) {
                    x[i] += o[i];
                }
                double[] h2 = norm(x, r.readFloats(r.tensor(p + "ffn_norm.weight")));
                double[] g = mul(r.readFloats(r.tensor(p + "ffn_gate.weight")), h2, 128);
                double[] u = mul(r.readFloats(r.tensor(p + "ffn_up.weight")), h2, 128);
                double[] a = new double[128];
                for (int i = 0; i < 128; i++) {
                    a[i] = g[i] * (1 / (1 + Math.exp(-g[i]))) * u[i];
                }
                double[] down = mul(r.readFloats(r.tensor(p + "ffn_down.weight")), a, e);
                for (int i = 0; i < e; i++) {
                    x[i] += down[i];
                }
                assertArrayEquals(x, res.layerOutputs()[il][0], 1e-12, "layer " + il);
            }
        }
    }

    private static double[] norm(double[] x, float[] w) {
        double ms = 0;
        for (double v : x) {
            ms += v * v / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] / Math.sqrt(ms + 1e-5f) * w[i];
        }
        return y;
    }

    /** W stored with ne = {in, out}. */
    private static double[] mul(float[] w, double[] x, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += w[o * x.length + i] * x[i];
            }
        }
        return y;
    }

    /** A GQA model equals the MHA model whose K/V heads are copies of the shared ones. */
    @Test
    void gqaEqualsMhaWithDuplicatedKvHeads() throws Exception {
        Path mha = dir.resolve("mha.gguf");
        rewrite(f32Model, mha, (name) -> name, (w, t, data) -> {
            if (t.name().endsWith("attn_k.weight") || t.name().endsWith("attn_v.weight")) {
                // rows of kv head j (16 rows of 64) become rows of query heads 2j and 2j+1
                float[] out = new float[64 * 64];
                for (int head = 0; head < 4; head++) {
                    System.arraycopy(data, (head / 2) * 16 * 64, out, head * 16 * 64, 16 * 64);
                }
                w.addTensor(t.name(), GgmlType.F32, new long[] {64, 64}, out);
            } else {
                w.addTensor(t.name(), GgmlType.F32, t.ne(), data);
            }
        }, kv -> kv.put("llama.attention.head_count_kv", GgufValue.uint32(4)));
        ReferenceLlama.Result a = f32.forward(TOKENS);
        ReferenceLlama.Result b = load(mha).forward(TOKENS);
        for (int t = 0; t < TOKENS.length; t++) {
            assertArrayEquals(a.logits()[t], b.logits()[t], 1e-12);
        }
    }

    /** Q8_0 weights give exactly the results of an F32 model holding their dequantized values. */
    @Test
    void q8WeightsAreDequantizedExactly() throws Exception {
        Path q8 = dir.resolve("q8.gguf");
        Path deq = dir.resolve("deq.gguf");
        TensorSink toQ8 = (w, t, data) -> {
            if (t.nDims() == 2 && !t.name().startsWith("token_embd")) {
                w.addRawTensor(t.name(), GgmlType.Q8_0, t.ne(), quantizeQ8(data));
            } else {
                w.addTensor(t.name(), GgmlType.F32, t.ne(), data);
            }
        };
        rewrite(f32Model, q8, n -> n, toQ8, kv -> kv);
        try (GgufReader r = GgufReader.open(q8)) {
            assertEquals(GgmlType.Q8_0, r.tensor("blk.0.attn_q.weight").type());
        }
        rewrite(q8, deq, n -> n, (w, t, data) -> w.addTensor(t.name(), GgmlType.F32, t.ne(), data), kv -> kv);
        ReferenceLlama.Result a = load(q8).forward(TOKENS);
        ReferenceLlama.Result b = load(deq).forward(TOKENS);
        for (int t = 0; t < TOKENS.length; t++) {
            assertArrayEquals(a.logits()[t], b.logits()[t], 0.0);
        }
    }

    /** ggml's reference quantize_row_q8_0: d = amax/127 stored as f16, q = round(x/d). */
    static byte[] quantizeQ8(float[] x) {
        ByteBuffer out = ByteBuffer.allocate(x.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b + j]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            out.putShort(HalfFloats.floatToF16(d));
            for (int j = 0; j < 32; j++) {
                out.put((byte) Math.round(x[b + j] * id));
            }
        }
        return out.array();
    }

    interface TensorSink {
        void add(GgufWriter w, GgufTensorInfo t, float[] data) throws Exception;
    }

    /** Copies a model, letting the caller transform tensors and metadata. */
    static void rewrite(Path in, Path out, UnaryOperator<String> rename, TensorSink sink, UnaryOperator<GgufWriter> kv) throws Exception {
        GgufWriter w = new GgufWriter();
        try (GgufReader r = GgufReader.open(in)) {
            r.metadata().forEach((k, v) -> w.put(rename.apply(k), v));
            kv.apply(w);
            for (GgufTensorInfo t : r.tensors()) {
                sink.add(w, t, r.readFloats(t));
            }
        }
        w.write(out);
    }

    @Test
    void badInputIsRejectedWithClearMessages() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f32.forward(new int[] {1, 99999}));
        assertTrue(e.getMessage().contains("99999"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f32.forward(new int[0]));

        Path extra = dir.resolve("extra.gguf");
        rewrite(f32Model, extra, n -> n, (w, t, data) -> {
            w.addTensor(t.name(), GgmlType.F32, t.ne(), data);
            if (t.name().equals("output.weight")) {
                w.addTensor("blk.0.attn_q.bias", GgmlType.F32, new long[] {64}, new float[64]);
            }
        }, kv -> kv);
        GgufFormatException x = assertThrows(GgufFormatException.class, () -> load(extra));
        assertTrue(x.getMessage().contains("blk.0.attn_q.bias"), x.getMessage());

        Path arch = dir.resolve("arch.gguf");
        rewrite(f32Model, arch, n -> n, (w, t, data) -> w.addTensor(t.name(), GgmlType.F32, t.ne(), data),
                kv -> kv.putString("general.architecture", "gpt2"));
        x = assertThrows(GgufFormatException.class, () -> load(arch));
        assertTrue(x.getMessage().contains("general.architecture") && x.getMessage().contains("gpt2"), x.getMessage());

        Path shape = dir.resolve("shape.gguf");
        rewrite(f32Model, shape, n -> n, (w, t, data) -> w.addTensor(t.name(), GgmlType.F32,
                t.name().equals("blk.1.ffn_down.weight") ? new long[] {64, 128} : t.ne(), data), kv -> kv);
        x = assertThrows(GgufFormatException.class, () -> load(shape));
        assertTrue(x.getMessage().contains("blk.1.ffn_down.weight") && x.getMessage().contains("[128, 64]"), x.getMessage());
    }
}
