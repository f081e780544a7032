package io.llamasae.sae.safetensors;

import java.util.Arrays;

/**
 * One header entry: name, dtype, shape and the byte range [begin, end) relative to the start of
 * the data area (which follows the 8-byte length and the JSON header).
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    /** Number of elements (product of the shape; 1 for a scalar of shape []). */
    public long elementCount() {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Bytes of data, end - begin. */
    public long byteLength() {
        return end - begin;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Dimension {@code i} of the shape. */
    public long dim(int i) {
        return shape[i];
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + "," + end + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype
                && Arrays.equals(t.shape, shape) && t.begin == begin && t.end == end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
