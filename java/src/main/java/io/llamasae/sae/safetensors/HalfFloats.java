package io.llamasae.sae.safetensors;

/** IEEE half (F16) and bfloat16 (BF16) conversions; Java 17 has no Float.float16ToFloat. */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** F16 bits (low 16 bits of {@code h}) to float, exact for all values incl. subnormals, Inf, NaN. */
    public static float f16ToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) { // Inf or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to F16 bits, round to nearest even; overflow gives Inf, NaN stays NaN. */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int absBits = bits & 0x7fffffff;
        if (absBits >= 0x7f800000) { // Inf / NaN
            return (short) (sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0));
        }
        if (absBits >= 0x477ff000) { // >= 65520 rounds to Inf
            return (short) (sign | 0x7c00);
        }
        if (absBits < 0x38800000) { // below smallest normal half: subnormal, round half-even
            float abs = Float.intBitsToFloat(absBits);
            int m = Math.round(abs * 0x1p24f); // Math.round is half-up; fix ties to even
            float exact = abs * 0x1p24f;
            if (exact - Math.floor(exact) == 0.5 && (m & 1) == 1) {
                m -= 1;
            }
            return (short) (sign | m);
        }
        int exp = ((absBits >>> 23) - 112) << 10;
        int mant = absBits & 0x7fffff;
        int half = exp | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half += 1; // may carry into the exponent, which is the correct rounding
        }
        return (short) (sign | half);
    }

    /** BF16 bits to float (exact). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Float to BF16 bits, round to nearest even; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
