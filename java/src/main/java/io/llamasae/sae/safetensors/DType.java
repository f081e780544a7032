package io.llamasae.sae.safetensors;

import java.util.Optional;

/** Element types this project reads and writes; names are the safetensors header spellings. */
public enum DType {
    F32(4), F16(2), BF16(2), I32(4), I64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for F32, F16 and BF16 (convertible to float arrays). */
    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named {@code s} in a safetensors header, or empty for unknown names. */
    public static Optional<DType> fromHeaderName(String s) {
        for (DType t : values()) {
            if (t.name().equals(s)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
