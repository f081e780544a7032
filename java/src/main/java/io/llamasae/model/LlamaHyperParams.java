package io.llamasae.model;

import io.llamasae.model.gguf.GgufFormatException;
import io.llamasae.model.gguf.GgufReader;

/**
 * Hyperparameters of a llama-architecture GGUF model, read the way llama.cpp reads them.
 *
 * @param nLayer         llama.block_count
 * @param nEmbd          llama.embedding_length
 * @param nHead          llama.attention.head_count
 * @param nHeadKv        llama.attention.head_count_kv (default nHead)
 * @param headDim        nEmbd / nHead
 * @param nRot           llama.rope.dimension_count (default headDim; llama.cpp requires it to equal headDim)
 * @param nFf            llama.feed_forward_length
 * @param nVocab         rows of token_embd.weight
 * @param rmsEps         llama.attention.layer_norm_rms_epsilon
 * @param ropeFreqBase   llama.rope.freq_base (default 10000)
 * @param ropeFreqScale  1 / llama.rope.scaling.factor for linear scaling (default 1)
 * @param attentionScale llama.attention.scale, or 1/sqrt(headDim) when absent
 */
public record LlamaHyperParams(int nLayer, int nEmbd, int nHead, int nHeadKv, int headDim, int nRot, int nFf, int nVocab,
                               double rmsEps, double ropeFreqBase, double ropeFreqScale, double attentionScale) {

    /** Reads and validates the hyperparameters of a {@code general.architecture = llama} model. */
    public static LlamaHyperParams fromGguf(GgufReader r) throws GgufFormatException {
        String arch = r.requireString("general.architecture");
        if (!arch.equals("llama")) {
            throw new GgufFormatException(r.file() + ": general.architecture: expected \"llama\" but found \"" + arch + "\"");
        }
        int nLayer = positive(r, "llama.block_count", r.requireLong("llama.block_count"));
        int nEmbd = positive(r, "llama.embedding_length", r.requireLong("llama.embedding_length"));
        int nHead = positive(r, "llama.attention.head_count", r.requireLong("llama.attention.head_count"));
        int nHeadKv = positive(r, "llama.attention.head_count_kv", r.getLong("llama.attention.head_count_kv", nHead));
        int nFf = positive(r, "llama.feed_forward_length", r.requireLong("llama.feed_forward_length"));
        if (nEmbd % nHead != 0) {
            throw new GgufFormatException(r.file() + ": llama.attention.head_count: expected a divisor of n_embd=" + nEmbd + " but found " + nHead);
        }
        if (nHead % nHeadKv != 0) {
            throw new GgufFormatException(r.file() + ": llama.attention.head_count_kv: expected a divisor of n_head=" + nHead + " but found " + nHeadKv);
        }
        int headDim = nEmbd / nHead;
        int nRot = positive(r, "llama.rope.dimension_count", r.getLong("llama.rope.dimension_count", headDim));
        if (nRot != headDim) {
            throw new GgufFormatException(r.file() + ": llama.rope.dimension_count: expected head_dim=" + headDim + " (as llama.cpp asserts) but found " + nRot);
        }
        double eps = r.requireDouble("llama.attention.layer_norm_rms_epsilon");
        double base = r.getDouble("llama.rope.freq_base", 10000.0);
        // llama.cpp: scaling type defaults to "linear"; freq_scale = 1/factor for none and linear alike
        String scaling = r.metadata().containsKey("llama.rope.scaling.type") ? r.requireString("llama.rope.scaling.type") : "linear";
        if (!scaling.equals("none") && !scaling.equals("linear")) {
            throw new GgufFormatException(r.file() + ": llama.rope.scaling.type: expected none or linear (what ReferenceLlama supports) but found " + scaling);
        }
        double factor = r.getDouble("llama.rope.scaling.factor", r.getDouble("llama.rope.scale_linear", 0.0));
        double freqScale = factor == 0.0 ? 1.0 : 1.0 / factor;
        for (String key : new String[] {"llama.attention.key_length", "llama.attention.value_length"}) {
            if (r.getLong(key, headDim) != headDim) {
                throw new GgufFormatException(r.file() + ": " + key + ": expected n_embd/n_head=" + headDim + " (what ReferenceLlama supports) but found " + r.getLong(key, headDim));
            }
        }
        double attnScale = r.getDouble("llama.attention.scale", 0.0);
        if (attnScale == 0.0) {
            attnScale = 1.0 / Math.sqrt(headDim);
        }
        long nVocab = r.tensor("token_embd.weight").ne(1);
        return new LlamaHyperParams(nLayer, nEmbd, nHead, nHeadKv, headDim, nRot, nFf, positive(r, "token_embd.weight.ne[1]", nVocab),
                eps, base, freqScale, attnScale);
    }

    private static int positive(GgufReader r, String field, long v) throws GgufFormatException {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new GgufFormatException(r.file() + ": " + field + ": expected a positive 32-bit count but found " + v);
        }
        return (int) v;
    }
}
