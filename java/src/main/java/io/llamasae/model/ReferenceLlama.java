package io.llamasae.model;

import io.llamasae.model.gguf.GgufFormatException;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Plain double-precision LLaMA forward pass over a GGUF model, written to match llama.cpp's
 * LLM_ARCH_LLAMA graph step by step. It is the independent reference for the native engine's
 * activations, not a fast path: weights are held dequantized as floats (exact for F32/F16/BF16/Q8_0),
 * every sum is accumulated in double.
 *
 * <p>Weight convention: a GGUF weight with ne = {in, out} is the row-major matrix {@code W: [out, in]},
 * so {@code y[o] = sum_i W[o*in + i] * x[i]} (ggml_mul_mat(W, x)).
 */
public final class ReferenceLlama {
    private final LlamaHyperParams hp;
    private final float[] tokEmbd;        // [n_vocab, n_embd]
    private final float[] outputNorm;     // [n_embd]
    private final float[] output;         // [n_vocab, n_embd]
    private final float[] ropeFreqs;      // [n_rot/2] or null (llama3 rope factors)
    private final Layer[] layers;

    private record Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo,
                         float[] ffnNorm, float[] wGate, float[] wUp, float[] wDown) {
    }

    /**
     * Per-sequence results.
     *
     * @param tokens       input token ids: [n_tokens]
     * @param layerOutputs residual stream after each block (llama.cpp's {@code l_out-il}): [n_layer][n_tokens][n_embd]
     * @param logits       output logits: [n_tokens][n_vocab]
     */
    public record Result(int[] tokens, double[][][] layerOutputs, double[][] logits) {
    }

    private ReferenceLlama(LlamaHyperParams hp, float[] tokEmbd, float[] outputNorm, float[] output, float[] ropeFreqs, Layer[] layers) {
        this.hp = hp;
        this.tokEmbd = tokEmbd;
        this.outputNorm = outputNorm;
        this.output = output;
        this.ropeFreqs = ropeFreqs;
        this.layers = layers;
    }

    /**
     * Loads all weights of a llama-architecture model (any of F32, F16, BF16, Q8_0).
     *
     * @throws GgufFormatException on missing/unsupported tensors, wrong shapes or unsupported dtypes
     */
    public static ReferenceLlama load(GgufReader r) throws IOException {
        LlamaHyperParams hp = LlamaHyperParams.fromGguf(r);
        int e = hp.nEmbd();
        int eq = hp.nHead() * hp.headDim();
        int ekv = hp.nHeadKv() * hp.headDim();
        Set<String> used = new HashSet<>();
        float[] tokEmbd = weight(r, used, "token_embd.weight", e, hp.nVocab());
        float[] outputNorm = weight(r, used, "output_norm.weight", e);
        // llama.cpp ties the output projection to token_embd when output.weight is absent
        float[] output = r.findTensor("output.weight").isPresent() ? weight(r, used, "output.weight", e, hp.nVocab()) : tokEmbd;
        float[] ropeFreqs = r.findTensor("rope_freqs.weight").isPresent() ? weight(r, used, "rope_freqs.weight", hp.nRot() / 2) : null;
        Layer[] layers = new Layer[hp.nLayer()];
        for (int il = 0; il < layers.length; il++) {
            String p = "blk." + il + ".";
            layers[il] = new Layer(
                    weight(r, used, p + "attn_norm.weight", e),
                    weight(r, used, p + "attn_q.weight", e, eq),
                    weight(r, used, p + "attn_k.weight", e, ekv),
                    weight(r, used, p + "attn_v.weight", e, ekv),
                    weight(r, used, p + "attn_output.weight", eq, e),
                    weight(r, used, p + "ffn_norm.weight", e),
                    weight(r, used, p + "ffn_gate.weight", e, hp.nFf()),
                    weight(r, used, p + "ffn_up.weight", e, hp.nFf()),
                    weight(r, used, p + "ffn_down.weight", hp.nFf(), e));
        }
        // a tensor the reference does not model (biases, fused qkv, MoE...) would make it silently wrong
        for (GgufTensorInfo t : r.tensors()) {
            if (!used.contains(t.name())) {
                throw new GgufFormatException(r.file() + ": tensor '" + t.name() + "': expected only the plain LLaMA tensors ReferenceLlama models but found this extra tensor");
            }
        }
        return new ReferenceLlama(hp, tokEmbd, outputNorm, output, ropeFreqs, layers);
    }

    private static float[] weight(GgufReader r, Set<String> used, String name, long... ne) throws IOException {
        GgufTensorInfo t = r.tensor(name);
        long[] actual = t.ne();
        boolean ok = actual.length == ne.length;
        for (int i = 0; ok && i < ne.length; i++) {
            ok = actual[i] == ne[i];
        }
        if (!ok) {
            throw new GgufFormatException(r.file() + ": tensor '" + name + "'.ne: expected " + java.util.Arrays.toString(ne)
                    + " but found " + java.util.Arrays.toString(actual));
        }
        used.add(name);
        return r.readFloats(t);
    }

    public LlamaHyperParams hyperParams() {
        return hp;
    }

    /**
     * Runs one sequence (positions 0..n_tokens-1, causal attention).
     *
     * @param tokens token ids: [n_tokens], each in [0, n_vocab)
     */
    public Result forward(int[] tokens) {
        return forward(tokens, null);
    }

    /** Replaces a block's output rows before the next block reads them (a spliced-in SAE, a zero ablation). */
    @FunctionalInterface
    public interface ResidualEdit {
        /** {@code rows: [n_tokens][n_embd]} of block {@code layer}'s output, edited in place. */
        void apply(int layer, double[][] rows);
    }

    /**
     * As {@link #forward(int[])}, with {@code edit} (may be null) applied to every block's output: the
     * edited rows are what the next block (and {@link Result#layerOutputs()}) sees.
     */
    public Result forward(int[] tokens, ResidualEdit edit) {
        int n = tokens.length;
        int e = hp.nEmbd();
        int hd = hp.headDim();
        int eq = hp.nHead() * hd;
        int ekv = hp.nHeadKv() * hd;
        int groupSize = hp.nHead() / hp.nHeadKv();
        if (n == 0) {
            throw new IllegalArgumentException("expected at least one token but found none");
        }
        double[][] x = new double[n][e];
        // inp_embd: rows of token_embd (LLaMA does not scale embeddings)
        for (int t = 0; t < n; t++) {
            int id = tokens[t];
            if (id < 0 || id >= hp.nVocab()) {
                throw new IllegalArgumentException("token " + t + ": expected an id in [0, " + hp.nVocab() + ") but found " + id);
            }
            for (int i = 0; i < e; i++) {
                x[t][i] = tokEmbd[id * e + i];
            }
        }
        double[][][] layerOut = new double[hp.nLayer()][][];
        for (int il = 0; il < hp.nLayer(); il++) {
            Layer L = layers[il];
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                // attn_norm: RMSNorm then elementwise weight
                double[] h = rmsNorm(x[t], L.attnNorm(), hp.rmsEps());
                // Qcur, Kcur, Vcur projections
                q[t] = matVec(L.wq(), h, eq);
                k[t] = matVec(L.wk(), h, ekv);
                v[t] = matVec(L.wv(), h, ekv);
                // RoPE (LLAMA_ROPE_TYPE_NORM: adjacent pairs) on every head of Q and K, position t
                for (int hh = 0; hh < hp.nHead(); hh++) {
                    rope(q[t], hh * hd, t);
                }
                for (int hh = 0; hh < hp.nHeadKv(); hh++) {
                    rope(k[t], hh * hd, t);
                }
            }
            double[][] next = new double[n][];
            for (int t = 0; t < n; t++) {
                // causal attention: query t sees keys 0..t; query head hh uses KV head hh / (n_head / n_head_kv)
                double[] attn = new double[eq];
                for (int hh = 0; hh < hp.nHead(); hh++) {
                    int kvOff = (hh / groupSize) * hd;
                    int qOff = hh * hd;
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        // kq = scale * q·k
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[t][qOff + d] * k[j][kvOff + d];
                        }
                        s[j] = dot * hp.attentionScale();
                        max = Math.max(max, s[j]);
                    }
                    // softmax over the visible keys (max-subtracted)
                    double sum = 0;
                    for (int j = 0; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    // kqv = softmax · V
                    for (int j = 0; j <= t; j++) {
                        double p = s[j] / sum;
                        for (int d = 0; d < hd; d++) {
                            attn[qOff + d] += p * v[j][kvOff + d];
                        }
                    }
                }
                // attn_output projection, then the first residual: ffn_inp = x + attn_out
                double[] attnOut = matVec(L.wo(), attn, e);
                double[] ffnInp = new double[e];
                for (int i = 0; i < e; i++) {
                    ffnInp[i] = x[t][i] + attnOut[i];
                }
                // ffn_norm: RMSNorm then elementwise weight
                double[] h = rmsNorm(ffnInp, L.ffnNorm(), hp.rmsEps());
                // SwiGLU: down(silu(gate(h)) * up(h))
                double[] g = matVec(L.wGate(), h, hp.nFf());
                double[] u = matVec(L.wUp(), h, hp.nFf());
                for (int i = 0; i < g.length; i++) {
                    g[i] = g[i] / (1.0 + Math.exp(-g[i])) * u[i];
                }
                double[] ffnOut = matVec(L.wDown(), g, e);
                // l_out = ffn_inp + ffn_out (second residual)
                double[] out = new double[e];
                for (int i = 0; i < e; i++) {
                    out[i] = ffnInp[i] + ffnOut[i];
                }
                next[t] = out;
            }
            x = next;
            if (edit != null) edit.apply(il, x);
            layerOut[il] = copy(x);
        }
        // result_norm then result_output (logits)
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matVec(output, rmsNorm(x[t], outputNorm, hp.rmsEps()), hp.nVocab());
        }
        return new Result(tokens.clone(), layerOut, logits);
    }

    /** y = x / sqrt(mean(x^2) + eps) * w (ggml_rms_norm then ggml_mul). */
    static double[] rmsNorm(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double xi : x) {
            ss += xi * xi;
        }
        double scale = 1.0 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * w[i];
        }
        return y;
    }

    /** y[o] = sum_i W[o*in + i] * x[i] for W with ne = {in, out}: [out, in] row-major. */
    static double[] matVec(float[] w, double[] x, int out) {
        int in = x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = 0;
            int base = o * in;
            for (int i = 0; i < in; i++) {
                acc += w[base + i] * x[i];
            }
            y[o] = acc;
        }
        return y;
    }

    /**
     * ggml rope, mode NORM, no YaRN: pair (x[2i], x[2i+1]) of the head at {@code off} is rotated by
     * theta = freq_scale * pos * base^(-2i/n_rot) / freq_factor[i]; dims beyond n_rot are unchanged.
     */
    private void rope(double[] x, int off, int pos) {
        int nRot = hp.nRot();
        for (int i = 0; i < nRot / 2; i++) {
            double theta = pos * Math.pow(hp.ropeFreqBase(), -2.0 * i / nRot);
            if (ropeFreqs != null) {
                theta /= ropeFreqs[i];
            }
            theta *= hp.ropeFreqScale();
            double c = Math.cos(theta);
            double s = Math.sin(theta);
            double x0 = x[off + 2 * i];
            double x1 = x[off + 2 * i + 1];
            x[off + 2 * i] = x0 * c - x1 * s;
            x[off + 2 * i + 1] = x0 * s + x1 * c;
        }
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
