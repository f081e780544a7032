package io.llamasae.model.gguf;

import java.util.Arrays;

/**
 * One tensor's entry in a GGUF file.
 *
 * @param name      tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type      element type
 * @param ne        ggml shape, ne[0] is the contiguous (fastest-varying) dimension; a weight
 *                  {@code W: [out, in]} in row-major terms is stored with ne = {in, out}
 * @param offset    offset of the data relative to the start of the data section
 * @param fileOffset absolute offset of the data in the file
 * @param byteSize  bytes of data
 */
public record GgufTensorInfo(String name, GgmlType type, long[] ne, long offset, long fileOffset, long byteSize) {

    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** ne[i], or 1 beyond the stored dimensions. */
    public long ne(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public int nDims() {
        return ne.length;
    }

    /** Total number of elements (validated not to overflow when read). */
    public long nElements() {
        long n = 1;
        for (long d : ne) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Number of rows of ne[0] elements. */
    public long nRows() {
        return ne[0] == 0 ? 0 : nElements() / ne[0];
    }

    /** Bytes per row of ne[0] elements. */
    public long rowBytes() {
        return type.byteSize(ne[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                && offset == t.offset && fileOffset == t.fileOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne) + " @" + fileOffset;
    }
}
