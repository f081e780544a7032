package io.llamasae.io;

/** IEEE 754 binary16 and bfloat16 conversions (Java 17 has no Float.float16ToFloat), shared by the GGUF and safetensors code. */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** binary16 bits to float (exact). */
    public static float f16ToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            // inf or NaN: keep the payload
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to binary16 bits, rounding to nearest even (as ggml's FP32_TO_FP16). */
    public static short floatToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int e = (x >>> 23) & 0xFF;
        int m = x & 0x7F_FFFF;
        if (e == 0xFF) {
            return (short) (sign | 0x7C00 | (m != 0 ? 0x200 | (m >>> 13) : 0));
        }
        int he = e - 127 + 15;
        if (he >= 0x1F) {
            return (short) (sign | 0x7C00); // overflow to infinity
        }
        if (he <= 0) {
            if (he < -10) {
                return (short) sign; // underflows to signed zero
            }
            // subnormal half: shift the 24-bit significand into 10 bits, round half to even
            m |= 0x80_0000;
            int shift = 14 - he;
            int hm = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (hm & 1) != 0)) {
                hm++;
            }
            return (short) (sign | hm);
        }
        int hm = m >>> 13;
        int rem = m & 0x1FFF;
        int h = sign | (he << 10) | hm;
        if (rem > 0x1000 || (rem == 0x1000 && (hm & 1) != 0)) {
            h++; // a carry into the exponent is the correct rounding (up to infinity)
        }
        return (short) h;
    }

    /** bfloat16 bits to float (exact). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
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
