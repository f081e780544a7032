package io.llamasae.sae;

/**
 * How pre-activations {@code pre[f] = b_enc[f] + dot(W_enc[f], x)} become sparse codes (see the
 * shared numeric contracts). Ties always go to the lower latent index.
 */
public enum Activation {
    /** Choose the k largest pre; value = max(pre, 0). Key = pre. */
    TOPK_RELU("topk-relu"),
    /** Choose the k largest |pre|; value = pre with its sign (reference study). Key = |pre|. */
    TOPK_ABS("topk-abs"),
    /** Active iff pre > threshold[f]; value = pre; keep the k largest; pad with -1 / 0. */
    JUMPRELU("jumprelu"),
    /** Active iff pre > 0; value = pre; keep the k largest; pad with -1 / 0. */
    RELU("relu");

    private final String id;

    Activation(String id) {
        this.id = id;
    }

    /** Stable lower-case name used in files and on the command line ("topk-relu", ...). */
    public String id() {
        return id;
    }

    /** True for the two Top-K modes (every output slot holds a real latent). */
    public boolean isTopK() {
        return this == TOPK_RELU || this == TOPK_ABS;
    }

    /** Parses {@link #id()} or the enum name, case-insensitively, '_' and '-' interchangeable. */
    public static Activation parse(String s) {
        String norm = s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        for (Activation a : values()) {
            if (a.id.equals(norm)) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation: expected one of topk-relu, topk-abs, jumprelu, relu but found '"
                + s + "'");
    }
}
