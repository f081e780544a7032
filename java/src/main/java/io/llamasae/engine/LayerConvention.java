package io.llamasae.engine;

/**
 * How a user numbers layers.
 *
 * <p>{@link #LLAMA_CPP} (default): layer L is the residual stream after transformer block L,
 * llama.cpp's tensor {@code l_out-L}. {@link #HF}: Hugging Face {@code hidden_states} numbering,
 * where index 0 is the embedding output and index i is the output of block i-1. The reference
 * study's "layer 14" is HF numbering, i.e. llama.cpp block 13.
 */
public enum LayerConvention {
    LLAMA_CPP,
    HF;

    /** Converts a layer number in this convention to a llama.cpp block index. */
    public int toBlock(int layer, int nLayer) {
        int block = this == HF ? layer - 1 : layer;
        if (this == HF && layer == 0) {
            throw new IllegalArgumentException("HF layer 0: expected an HF layer >= 1 (HF layer 1 = llama.cpp block 0) but found the "
                    + "embedding output, which has no l_out tensor");
        }
        if (block < 0 || block >= nLayer) {
            String range = this == HF ? "1.." + nLayer : "0.." + (nLayer - 1);
            throw new IllegalArgumentException("layer " + layer + ": expected a " + label() + " layer in " + range + " (the model has "
                    + nLayer + " blocks) but found " + layer);
        }
        return block;
    }

    /** Converts a llama.cpp block index to this convention. */
    public int fromBlock(int block) {
        return this == HF ? block + 1 : block;
    }

    /** Parses "llama.cpp" / "llama-cpp" / "block" or "hf". */
    public static LayerConvention parse(String s) {
        return switch (s.toLowerCase()) {
            case "llama.cpp", "llama-cpp", "llamacpp", "block", "llama_cpp" -> LLAMA_CPP;
            case "hf", "huggingface", "hugging-face" -> HF;
            default -> throw new IllegalArgumentException("unknown layer convention '" + s + "' (expected llama.cpp or hf)");
        };
    }

    /** The name written into file metadata. */
    public String label() {
        return this == HF ? "hf" : "llama.cpp";
    }
}
