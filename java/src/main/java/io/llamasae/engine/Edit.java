package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;

/**
 * One feature intervention at one block (the SAE attached there defines the latents).
 *
 * <ul>
 *   <li>{@link Op#SCALE}: z_f := value · z_f (ablate = scale by 0)</li>
 *   <li>{@link Op#CLAMP}: z_f := value, also when the latent is inactive</li>
 *   <li>{@link Op#SWAP}: z_f := z_partner and z_partner := z_f (both read before editing)</li>
 *   <li>{@link Op#STEER}: h += value · W_dec[f], independent of the code</li>
 * </ul>
 * By default the residual is updated as h' = h + W_decᵀ(z' − z), which keeps the SAE's error term;
 * see {@link InterventionSpec#replaceWithReconstruction()} for the reference study's behaviour.
 */
public record Edit(int block, int latent, Op op, float value, int partner) {
    /** Edit kinds, carrying the engine's numbering (native/include/llama_sae_kinds.h, its one definition). */
    public enum Op {
        SCALE(LlamaSaeLib.LLAMA_SAE_EDIT_SCALE),
        CLAMP(LlamaSaeLib.LLAMA_SAE_EDIT_CLAMP),
        SWAP(LlamaSaeLib.LLAMA_SAE_EDIT_SWAP),
        STEER(LlamaSaeLib.LLAMA_SAE_EDIT_STEER);

        private final int code;

        Op(int code) {
            this.code = code;
        }

        /** The kind's number in the C API. */
        public int code() {
            return code;
        }
    }

    public Edit {
        if (!Float.isFinite(value)) throw new IllegalArgumentException("edit of latent " + latent + ": value must be finite, found " + value);
        if (latent < 0) throw new IllegalArgumentException("edit: latent must be >= 0, found " + latent);
        if (op == Op.SWAP && partner < 0) throw new IllegalArgumentException("swap: partner latent must be >= 0, found " + partner);
    }

    public static Edit ablate(int block, int latent) {
        return new Edit(block, latent, Op.SCALE, 0f, -1);
    }

    public static Edit scale(int block, int latent, float factor) {
        return new Edit(block, latent, Op.SCALE, factor, -1);
    }

    public static Edit clamp(int block, int latent, float value) {
        return new Edit(block, latent, Op.CLAMP, value, -1);
    }

    public static Edit swap(int block, int a, int b) {
        return new Edit(block, a, Op.SWAP, 0f, b);
    }

    public static Edit steer(int block, int latent, float alpha) {
        return new Edit(block, latent, Op.STEER, alpha, -1);
    }
}
