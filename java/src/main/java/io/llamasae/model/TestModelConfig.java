package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;

/**
 * Shape and seed of a generated llama-architecture test model. Build with {@link #builder()}.
 *
 * @param nLayer       number of transformer blocks (llama.block_count), default 4
 * @param nEmbd        residual width (llama.embedding_length), default 64
 * @param nHead        query heads (llama.attention.head_count), default 4
 * @param nHeadKv      key/value heads, GQA when below nHead (llama.attention.head_count_kv), default 2
 * @param nFf          FFN hidden width (llama.feed_forward_length), default 128
 * @param nCtx         training context length (llama.context_length), default 512
 * @param weightType   storage of 2-D weights: F32, F16, BF16 or Q8_0 (Q8_0 needs nEmbd and nFf multiples of 32;
 *                     norm vectors are always F32), default F32
 * @param seed         seed of all weights; same seed and config give a byte-identical file, default 42
 * @param ropeFreqBase RoPE base (llama.rope.freq_base), default 10000
 * @param rmsEps       RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon), default 1e-5
 */
public record TestModelConfig(int nLayer, int nEmbd, int nHead, int nHeadKv, int nFf, int nCtx,
                              GgmlType weightType, long seed, float ropeFreqBase, float rmsEps) {

    public TestModelConfig {
        require(nLayer >= 1, "nLayer >= 1", nLayer);
        require(nEmbd >= 2, "nEmbd >= 2", nEmbd);
        require(nHead >= 1 && nEmbd % nHead == 0, "nHead dividing nEmbd=" + nEmbd, nHead);
        require((nEmbd / nHead) % 2 == 0, "an even head dimension (RoPE rotates pairs)", nEmbd / nHead);
        require(nHeadKv >= 1 && nHead % nHeadKv == 0, "nHeadKv dividing nHead=" + nHead, nHeadKv);
        require(nFf >= 1, "nFf >= 1", nFf);
        require(nCtx >= 1, "nCtx >= 1", nCtx);
        if (weightType != GgmlType.F32 && weightType != GgmlType.F16 && weightType != GgmlType.BF16 && weightType != GgmlType.Q8_0) {
            throw new IllegalArgumentException("weightType: expected F32, F16, BF16 or Q8_0 but found " + weightType);
        }
        if (weightType == GgmlType.Q8_0) {
            require(nEmbd % 32 == 0 && nFf % 32 == 0, "nEmbd and nFf multiples of 32 for Q8_0 blocks", nEmbd + ", " + nFf);
        }
        require(ropeFreqBase > 0, "ropeFreqBase > 0", ropeFreqBase);
        require(rmsEps > 0, "rmsEps > 0", rmsEps);
    }

    private static void require(boolean ok, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException("expected " + expected + " but found " + found);
        }
    }

    /** Head dimension = nEmbd / nHead (also the RoPE dimension count). */
    public int headDim() {
        return nEmbd / nHead;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder().nLayer(nLayer).nEmbd(nEmbd).nHead(nHead).nHeadKv(nHeadKv).nFf(nFf).nCtx(nCtx)
                .weightType(weightType).seed(seed).ropeFreqBase(ropeFreqBase).rmsEps(rmsEps);
    }

    /** Builder with the defaults documented on the record. */
    public static final class Builder {
        private int nLayer = 4;
        private int nEmbd = 64;
        private int nHead = 4;
        private int nHeadKv = 2;
        private int nFf = 128;
        private int nCtx = 512;
        private GgmlType weightType = GgmlType.F32;
        private long seed = 42;
        private float ropeFreqBase = 10000f;
        private float rmsEps = 1e-5f;

        public Builder nLayer(int v) { nLayer = v; return this; }
        public Builder nEmbd(int v) { nEmbd = v; return this; }
        public Builder nHead(int v) { nHead = v; return this; }
        public Builder nHeadKv(int v) { nHeadKv = v; return this; }
        public Builder nFf(int v) { nFf = v; return this; }
        public Builder nCtx(int v) { nCtx = v; return this; }
        public Builder weightType(GgmlType v) { weightType = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder ropeFreqBase(float v) { ropeFreqBase = v; return this; }
        public Builder rmsEps(float v) { rmsEps = v; return this; }

        public TestModelConfig build() {
            return new TestModelConfig(nLayer, nEmbd, nHead, nHeadKv, nFf, nCtx, weightType, seed, ropeFreqBase, rmsEps);
        }
    }
}
