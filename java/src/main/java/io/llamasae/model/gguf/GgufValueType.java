package io.llamasae.model.gguf;

/** Metadata value types of the GGUF format (ids as in gguf.h). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    /** Id as written in the file. */
    public final int id;
    /** Encoded size in bytes, or -1 for variable-length types. */
    public final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The type with this id, or null when unknown. */
    public static GgufValueType fromId(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Whether values of this type are integers (signed or unsigned). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
