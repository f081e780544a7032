package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes small deterministic llama-architecture GGUF models that llama.cpp loads and runs:
 * {@code general.architecture = llama}, the {@code llama.*} hyperparameters, the {@link TestVocabulary}
 * SPM tokenizer, and Gaussian weights drawn from per-tensor seeded streams.
 *
 * <p>Weight scales keep activations non-degenerate: q/k/v/gate/up have std 1/sqrt(n_in) so projections of
 * a unit-RMS input have unit variance; attn_output/ffn_down have std 0.5/sqrt(n_in) so each block adds
 * about half the residual's scale; token_embd has std 1; norms are 1 + 0.1·N(0,1); output has std
 * 1/sqrt(n_embd) so logits have std near 1.
 *
 * <p>Shapes follow llama.cpp (ggml ne, ne0 = input dim): token_embd/output {n_embd, n_vocab}, attn_q
 * {n_embd, n_embd}, attn_k/attn_v {n_embd, n_head_kv·head_dim}, attn_output {n_embd, n_embd},
 * ffn_gate/ffn_up {n_embd, n_ff}, ffn_down {n_ff, n_embd}, norms {n_embd}.
 */
public final class TestModelGenerator {
    private TestModelGenerator() {
    }

    /** Generates the model for {@code config} and writes it atomically to {@code out}. */
    public static void write(TestModelConfig config, Path out) throws IOException {
        build(config).write(out);
    }

    /** The writer holding the complete model (for writing to a stream). */
    public static GgufWriter build(TestModelConfig c) {
        GgufWriter w = new GgufWriter();
        int nVocab = TestVocabulary.size();
        int headDim = c.headDim();
        int nEmbdKv = c.nHeadKv() * headDim;

        // hyperparameters llama.cpp reads for LLM_ARCH_LLAMA
        w.putString("general.architecture", "llama");
        w.putString("general.name", "llama-sae test model (seed " + c.seed() + ")");
        w.putUInt32("general.file_type", fileType(c.weightType()));
        w.putUInt32("llama.vocab_size", nVocab);
        w.putUInt32("llama.context_length", c.nCtx());
        w.putUInt32("llama.embedding_length", c.nEmbd());
        w.putUInt32("llama.block_count", c.nLayer());
        w.putUInt32("llama.feed_forward_length", c.nFf());
        w.putUInt32("llama.rope.dimension_count", headDim);
        w.putUInt32("llama.attention.head_count", c.nHead());
        w.putUInt32("llama.attention.head_count_kv", c.nHeadKv());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", c.rmsEps());
        w.putFloat32("llama.rope.freq_base", c.ropeFreqBase());

        // SentencePiece tokenizer
        TestVocabulary.putSpmTokenizer(w, TestVocabulary.pieces());

        GgmlType wt = c.weightType();
        long seed = c.seed();
        double invSqrtEmbd = 1.0 / Math.sqrt(c.nEmbd());
        double invSqrtFf = 1.0 / Math.sqrt(c.nFf());
        w.addTensor("token_embd.weight", wt, new long[] {c.nEmbd(), nVocab}, gaussian(seed, "token_embd.weight", c.nEmbd() * nVocab, 0.0, 1.0));
        for (int il = 0; il < c.nLayer(); il++) {
            String p = "blk." + il + ".";
            w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {c.nEmbd()}, gaussian(seed, p + "attn_norm.weight", c.nEmbd(), 1.0, 0.1));
            w.addTensor(p + "attn_q.weight", wt, new long[] {c.nEmbd(), c.nEmbd()}, gaussian(seed, p + "attn_q.weight", c.nEmbd() * c.nEmbd(), 0.0, invSqrtEmbd));
            w.addTensor(p + "attn_k.weight", wt, new long[] {c.nEmbd(), nEmbdKv}, gaussian(seed, p + "attn_k.weight", c.nEmbd() * nEmbdKv, 0.0, invSqrtEmbd));
            w.addTensor(p + "attn_v.weight", wt, new long[] {c.nEmbd(), nEmbdKv}, gaussian(seed, p + "attn_v.weight", c.nEmbd() * nEmbdKv, 0.0, invSqrtEmbd));
            w.addTensor(p + "attn_output.weight", wt, new long[] {c.nEmbd(), c.nEmbd()}, gaussian(seed, p + "attn_output.weight", c.nEmbd() * c.nEmbd(), 0.0, 0.5 * invSqrtEmbd));
            w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {c.nEmbd()}, gaussian(seed, p + "ffn_norm.weight", c.nEmbd(), 1.0, 0.1));
            w.addTensor(p + "ffn_gate.weight", wt, new long[] {c.nEmbd(), c.nFf()}, gaussian(seed, p + "ffn_gate.weight", c.nEmbd() * c.nFf(), 0.0, invSqrtEmbd));
            w.addTensor(p + "ffn_up.weight", wt, new long[] {c.nEmbd(), c.nFf()}, gaussian(seed, p + "ffn_up.weight", c.nEmbd() * c.nFf(), 0.0, invSqrtEmbd));
            w.addTensor(p + "ffn_down.weight", wt, new long[] {c.nFf(), c.nEmbd()}, gaussian(seed, p + "ffn_down.weight", c.nFf() * c.nEmbd(), 0.0, 0.5 * invSqrtFf));
        }
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {c.nEmbd()}, gaussian(seed, "output_norm.weight", c.nEmbd(), 1.0, 0.1));
        w.addTensor("output.weight", wt, new long[] {c.nEmbd(), nVocab}, gaussian(seed, "output.weight", c.nEmbd() * nVocab, 0.0, invSqrtEmbd));
        return w;
    }

    /** llama_ftype of a model whose 2-D weights have this type. */
    static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;   // LLAMA_FTYPE_ALL_F32
            case F16 -> 1;   // LLAMA_FTYPE_MOSTLY_F16
            case Q8_0 -> 7;  // LLAMA_FTYPE_MOSTLY_Q8_0
            case BF16 -> 32; // LLAMA_FTYPE_MOSTLY_BF16
            default -> throw new IllegalArgumentException("no llama_ftype for " + t);
        };
    }

    /** n values of mean + std·N(0,1) from a stream seeded by (seed, tensor name), independent of tensor order. */
    public static float[] gaussian(long seed, String tensorName, int n, double mean, double std) {
        Random rng = new Random(streamSeed(seed, tensorName));
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            // java.util.Random#nextGaussian is specified exactly, so files are identical across JVMs
            out[i] = (float) (mean + std * rng.nextGaussian());
        }
        return out;
    }

    static long streamSeed(long seed, String name) {
        long h = seed;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = splitmix64(h ^ (b & 0xFF));
        }
        return splitmix64(h);
    }

    private static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Usage: TestModelGenerator OUT.gguf [f32|f16|bf16|q8_0] [seed] [n_layer] [n_embd n_head n_head_kv n_ff]. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: TestModelGenerator OUT.gguf [f32|f16|bf16|q8_0] [seed] [n_layer] [n_embd n_head n_head_kv n_ff]");
            System.exit(2);
        }
        TestModelConfig.Builder b = TestModelConfig.builder();
        if (args.length > 1) {
            b.weightType(GgmlType.valueOf(args[1].toUpperCase(java.util.Locale.ROOT)));
        }
        if (args.length > 2) {
            b.seed(Long.parseLong(args[2]));
        }
        if (args.length > 3) {
            b.nLayer(Integer.parseInt(args[3]));
        }
        if (args.length > 7) {
            b.nEmbd(Integer.parseInt(args[4])).nHead(Integer.parseInt(args[5])).nHeadKv(Integer.parseInt(args[6])).nFf(Integer.parseInt(args[7]));
        }
        TestModelConfig c = b.build();
        write(c, Path.of(args[0]));
        System.out.println("wrote " + args[0] + ": " + c + ", n_vocab=" + TestVocabulary.size());
    }
}
