package io.llamasae.sae;

/** On-disk SAE conventions {@link SaeLoader} understands. */
public enum SaeFormat {
    /**
     * SAELens: dir with {@code cfg.json} + {@code sae_weights.safetensors}; {@code W_enc [d,F]},
     * {@code b_enc [F]}, {@code W_dec [F,d]}, {@code b_dec [d]}, optional {@code threshold [F]}.
     */
    SAELENS,
    /**
     * EleutherAI sparsify: dir with {@code cfg.json} + {@code sae.safetensors};
     * {@code encoder.weight [F,d]}, {@code encoder.bias [F]}, {@code W_dec [F,d]}, {@code b_dec [d]};
     * relu(encoder(x - b_dec)) then top-k.
     */
    SPARSIFY,
    /**
     * The reference study: {@code encoder.weight [F,d]}, {@code encoder.bias [F]},
     * {@code decoder.weight [d,F]}, {@code decoder.bias [d]}; top-k by |pre|, no pre-bias.
     */
    REFERENCE,
    /**
     * dictionary_learning AutoEncoderTopK state dict: {@code encoder.weight [F,d]},
     * {@code encoder.bias [F]}, {@code decoder.weight [d,F]}, {@code b_dec [d]}, {@code k} scalar,
     * optional {@code threshold}; relu(encoder(x - b_dec)) then top-k.
     */
    DICTIONARY_LEARNING;

    /** Parses a command-line name: saelens, sparsify, reference, dictionary_learning (case/'-' insensitive). */
    public static SaeFormat parse(String s) {
        String norm = s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (SaeFormat f : values()) {
            if (f.name().equals(norm)) {
                return f;
            }
        }
        throw new IllegalArgumentException("SAE format: expected one of saelens, sparsify, reference, "
                + "dictionary_learning but found '" + s + "'");
    }
}
