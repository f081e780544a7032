package io.llamasae.model.gguf;

import io.llamasae.io.HalfFloats;

import java.nio.ByteBuffer;

/** Converts raw ggml tensor bytes (F32, F16, BF16, Q8_0) to floats. */
final class GgmlDequantizer {
    private GgmlDequantizer() {
    }

    /**
     * Decodes {@code n} elements of {@code type} from {@code src} (little-endian, positioned at the first
     * block) into {@code dst[dstOff .. dstOff+n)}. {@code n} must be a multiple of the block size.
     */
    static void toFloats(GgmlType type, ByteBuffer src, float[] dst, int dstOff, int n) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = src.getFloat();
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = HalfFloats.f16ToFloat(src.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = HalfFloats.bf16ToFloat(src.getShort());
                }
            }
            case Q8_0 -> {
                // block_q8_0 = { f16 d; int8 qs[32]; }, x = d * q
                for (int b = 0; b < n; b += 32) {
                    float d = HalfFloats.f16ToFloat(src.getShort());
                    for (int j = 0; j < 32; j++) {
                        dst[dstOff + b + j] = d * src.get();
                    }
                }
            }
            default -> throw new IllegalArgumentException("unsupported dtype " + type);
        }
    }
}
