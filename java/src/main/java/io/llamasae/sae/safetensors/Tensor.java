package io.llamasae.sae.safetensors;

import io.llamasae.io.HalfFloats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An in-memory tensor to write: dtype, shape and little-endian data bytes (position 0..limit).
 * Factories copy Java arrays into a fresh buffer.
 */
public record Tensor(DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        shape = shape.clone();
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            n = Math.multiplyExact(n, s);
        }
        long expected = Math.multiplyExact(n, (long) dtype.byteSize());
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor data: expected " + expected + " bytes for " + dtype
                    + Arrays.toString(shape) + " but found " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** F32 tensor of {@code shape} holding {@code values} (length must equal the shape's product). */
    public static Tensor ofFloats(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, b);
    }

    /** I32 tensor. */
    public static Tensor ofInts(int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new Tensor(DType.I32, shape, b);
    }

    /** I64 tensor. */
    public static Tensor ofLongs(long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, b);
    }

    /** F16 or BF16 tensor from floats (rounded to nearest even). */
    public static Tensor ofHalfs(DType dtype, float[] values, long... shape) {
        if (dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("expected F16 or BF16 but found " + dtype);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(dtype == DType.F16 ? HalfFloats.floatToF16(v) : HalfFloats.floatToBf16(v));
        }
        b.flip();
        return new Tensor(dtype, shape, b);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }
}
