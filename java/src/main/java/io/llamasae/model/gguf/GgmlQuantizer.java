package io.llamasae.model.gguf;

import io.llamasae.io.HalfFloats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Float to ggml storage formats, following ggml's reference (scalar) conversions. */
public final class GgmlQuantizer {
    private GgmlQuantizer() {
    }

    /**
     * Encodes floats as F32, F16, BF16 or Q8_0 bytes (little-endian).
     *
     * @param x values; for Q8_0 the length must be a multiple of 32
     */
    public static byte[] encode(GgmlType type, float[] x) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.byteSize(x.length))).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : x) {
                    out.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : x) {
                    out.putShort(HalfFloats.floatToF16(v));
                }
            }
            case BF16 -> {
                for (float v : x) {
                    out.putShort(toBf16(v));
                }
            }
            case Q8_0 -> quantizeQ8_0(x, out);
            default -> throw new IllegalArgumentException("cannot encode floats as " + type + " (supported: F32, F16, BF16, Q8_0)");
        }
        return out.array();
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
    public static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fff_ffff) > 0x7f80_0000) {
            return (short) ((u >>> 16) | 64); // quiet NaN
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** quantize_row_q8_0_ref: per block of 32, d = amax/127 (stored as F16), q = roundf(x / d). */
    private static void quantizeQ8_0(float[] x, ByteBuffer out) {
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b + j]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            out.putShort(HalfFloats.floatToF16(d));
            for (int j = 0; j < 32; j++) {
                float v = x[b + j] * id;
                // C roundf: halves away from zero
                out.put((byte) (int) (Math.signum(v) * Math.floor(Math.abs(v) + 0.5f)));
            }
        }
    }
}
