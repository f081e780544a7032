package io.llamasae.lm;

/**
 * Shape of the arithmetic model: a llama-architecture transformer over {@link ArithmeticVocabulary}.
 *
 * @param nLayer       transformer blocks (llama.block_count)
 * @param nEmbd        residual width (llama.embedding_length)
 * @param nHead        attention heads; n_head_kv = n_head (no grouped KV heads)
 * @param nFf          SwiGLU hidden width (llama.feed_forward_length)
 * @param nCtx         longest training sequence (llama.context_length)
 * @param ropeFreqBase RoPE base (llama.rope.freq_base)
 * @param rmsEps       RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon)
 */
public record LmArchitecture(int nLayer, int nEmbd, int nHead, int nFf, int nCtx, float ropeFreqBase, float rmsEps) {
    public LmArchitecture {
        require(nLayer >= 1, "--layers", ">= 1", nLayer);
        require(nEmbd >= 2, "--embd", ">= 2", nEmbd);
        require(nHead >= 1 && nEmbd % nHead == 0, "--heads", "a divisor of --embd " + nEmbd, nHead);
        require((nEmbd / nHead) % 2 == 0, "--embd/--heads", "an even head dimension (RoPE rotates pairs)", nEmbd / Math.max(1, nHead));
        require(nFf >= 1, "--ff", ">= 1", nFf);
        require(nCtx >= 8, "--ctx", ">= 8", nCtx);
        if (!(ropeFreqBase > 0) || !(rmsEps > 0)) {
            throw new IllegalArgumentException("rope base and rms eps: expected > 0 but found " + ropeFreqBase + ", " + rmsEps);
        }
    }

    /** 4 blocks, width 128, 4 heads of 32, FFN 352, context 128: about 0.9M parameters. */
    public static LmArchitecture defaults() {
        return new LmArchitecture(4, 128, 4, 352, 128, 10000f, 1e-5f);
    }

    public int nVocab() {
        return ArithmeticVocabulary.size();
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    private static void require(boolean ok, String option, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException(option + ": expected " + expected + " but found " + found);
        }
    }
}
