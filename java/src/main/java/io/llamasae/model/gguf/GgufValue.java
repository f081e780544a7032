package io.llamasae.model.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One metadata value with its GGUF type.
 *
 * <p>Java representation of {@code value}: INT8/UINT8 {@link Byte}, INT16/UINT16 {@link Short},
 * INT32/UINT32 {@link Integer}, INT64/UINT64 {@link Long} (unsigned types keep their raw bits; use
 * {@link #asLong()}), FLOAT32 {@link Float}, FLOAT64 {@link Double}, BOOL {@link Boolean}, STRING
 * {@link String}, ARRAY {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = javaClass(type);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("GGUF " + type + " value must be a " + expected.getSimpleName()
                    + " but found " + value.getClass().getSimpleName());
        }
    }

    /** Java class that holds a value of this type. */
    static Class<?> javaClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> Byte.class;
            case UINT16, INT16 -> Short.class;
            case UINT32, INT32 -> Integer.class;
            case UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
    }

    public static GgufValue uint8(int v) { return new GgufValue(GgufValueType.UINT8, (byte) checkRange(v, 0, 0xFF)); }
    public static GgufValue int8(int v) { return new GgufValue(GgufValueType.INT8, (byte) checkRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE)); }
    public static GgufValue uint16(int v) { return new GgufValue(GgufValueType.UINT16, (short) checkRange(v, 0, 0xFFFF)); }
    public static GgufValue int16(int v) { return new GgufValue(GgufValueType.INT16, (short) checkRange(v, Short.MIN_VALUE, Short.MAX_VALUE)); }
    public static GgufValue uint32(long v) { return new GgufValue(GgufValueType.UINT32, (int) checkRange(v, 0, 0xFFFF_FFFFL)); }
    public static GgufValue int32(int v) { return new GgufValue(GgufValueType.INT32, v); }
    /** UINT64 from raw bits (values above Long.MAX_VALUE are passed as negative longs). */
    public static GgufValue uint64(long rawBits) { return new GgufValue(GgufValueType.UINT64, rawBits); }
    public static GgufValue int64(long v) { return new GgufValue(GgufValueType.INT64, v); }
    public static GgufValue float32(float v) { return new GgufValue(GgufValueType.FLOAT32, v); }
    public static GgufValue float64(double v) { return new GgufValue(GgufValueType.FLOAT64, v); }
    public static GgufValue bool(boolean v) { return new GgufValue(GgufValueType.BOOL, v); }
    public static GgufValue string(String v) { return new GgufValue(GgufValueType.STRING, v); }
    public static GgufValue array(GgufArray v) { return new GgufValue(GgufValueType.ARRAY, v); }

    public static GgufValue stringArray(List<String> v) { return array(new GgufArray(GgufValueType.STRING, List.copyOf(v))); }

    public static GgufValue float32Array(float[] v) {
        Float[] boxed = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            boxed[i] = v[i];
        }
        return array(new GgufArray(GgufValueType.FLOAT32, List.of(boxed)));
    }

    public static GgufValue int32Array(int[] v) {
        Integer[] boxed = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            boxed[i] = v[i];
        }
        return array(new GgufArray(GgufValueType.INT32, List.of(boxed)));
    }

    private static long checkRange(long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException("value " + v + " outside [" + lo + ", " + hi + "]");
        }
        return v;
    }

    /** Integer value, unsigned types zero-extended. Throws for non-integers and UINT64 above Long.MAX_VALUE. */
    public long asLong() {
        return integerOf(type, value);
    }

    static long integerOf(GgufValueType type, Object value) {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedLong((Byte) value);
            case INT8 -> (Byte) value;
            case UINT16 -> Short.toUnsignedLong((Short) value);
            case INT16 -> (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (Integer) value;
            case INT64 -> (Long) value;
            case UINT64 -> {
                long v = (Long) value;
                if (v < 0) {
                    throw new ArithmeticException("UINT64 value " + Long.toUnsignedString(v) + " exceeds Long.MAX_VALUE");
                }
                yield v;
            }
            default -> throw new IllegalStateException("expected an integer value but found " + type);
        };
    }

    /** Numeric value as double (integers and floats). */
    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            default -> type.isInteger() ? (double) asLong() : fail("a number");
        };
    }

    public boolean asBoolean() {
        return type == GgufValueType.BOOL ? (Boolean) value : fail("BOOL");
    }

    public String asString() {
        return type == GgufValueType.STRING ? (String) value : fail("STRING");
    }

    public GgufArray asArray() {
        return type == GgufValueType.ARRAY ? (GgufArray) value : fail("ARRAY");
    }

    private <T> T fail(String expected) {
        throw new IllegalStateException("expected " + expected + " value but found " + type);
    }

    @Override
    public String toString() {
        return type + ":" + (type == GgufValueType.ARRAY ? value.toString() : String.valueOf(value));
    }
}
