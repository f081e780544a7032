package io.llamasae.model.gguf;

import java.util.List;
import java.util.Objects;

/**
 * A metadata array: element type plus elements in the Java representation of {@link GgufValue}
 * (nested arrays are {@link GgufArray} elements).
 */
public record GgufArray(GgufValueType elementType, List<?> values) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        values = List.copyOf(values);
        Class<?> expected = GgufValue.javaClass(elementType);
        for (Object v : values) {
            if (!expected.isInstance(v)) {
                throw new IllegalArgumentException("GGUF array of " + elementType + " needs " + expected.getSimpleName()
                        + " elements but found " + v.getClass().getSimpleName());
            }
        }
    }

    public int size() {
        return values.size();
    }

    /** Element i as a {@link GgufValue}. */
    public GgufValue get(int i) {
        return new GgufValue(elementType, values.get(i));
    }

    /** Elements as strings; requires a STRING array. */
    public String[] asStrings() {
        require(GgufValueType.STRING);
        return values.toArray(new String[0]);
    }

    /** Elements as floats; requires a FLOAT32 or FLOAT64 array. */
    public float[] asFloats() {
        if (elementType != GgufValueType.FLOAT32 && elementType != GgufValueType.FLOAT64) {
            throw new IllegalStateException("expected a FLOAT32 array but found an array of " + elementType);
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    /** Elements as longs (unsigned types zero-extended); requires an integer array. */
    public long[] asLongs() {
        if (!elementType.isInteger()) {
            throw new IllegalStateException("expected an integer array but found an array of " + elementType);
        }
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = GgufValue.integerOf(elementType, values.get(i));
        }
        return out;
    }

    private void require(GgufValueType t) {
        if (elementType != t) {
            throw new IllegalStateException("expected an array of " + t + " but found an array of " + elementType);
        }
    }

    @Override
    public String toString() {
        return "[" + elementType + " x " + values.size() + "]";
    }
}
