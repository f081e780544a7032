package io.llamasae.hardening;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where every field of a (well-formed) GGUF file's header lies, so a test can change exactly one
 * field in place: the header counts, each key-value pair's key, type and value, and each tensor
 * info's name, dimension count, dimensions, type and data offset. Positions are byte offsets.
 */
final class GgufLayout {
    static final int MAGIC = 0, VERSION = 4, N_TENSORS = 8, N_KV = 16;

    /** A key-value pair: key text at keyPos (u64 length first), value type (u32) at typePos, value bytes [valuePos, valueEnd). */
    record Kv(String key, long keyPos, long typePos, int type, long valuePos, long valueEnd) {}

    /** A tensor info: name at namePos (u64 length first), u32 n_dims, i64 dims, u32 type, u64 offset. */
    record TensorInfo(String name, long namePos, long nDimsPos, int nDims, long dimsPos, long[] ne, long typePos, int type, long offsetPos,
                      long offset) {}

    final List<Kv> kvs = new ArrayList<>();
    final List<TensorInfo> tensors = new ArrayList<>();
    final long headerEnd;  // first byte after the last tensor info

    private final ByteBuffer b;

    GgufLayout(byte[] file) {
        b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long nTensors = b.getLong(N_TENSORS);
        long nKv = b.getLong(N_KV);
        int pos = 24;
        for (long i = 0; i < nKv; i++) {
            int keyPos = pos;
            String key = string(pos);
            pos += 8 + (int) b.getLong(pos);
            int typePos = pos;
            int type = b.getInt(pos);
            pos += 4;
            int valuePos = pos;
            pos = skipValue(type, pos);
            kvs.add(new Kv(key, keyPos, typePos, type, valuePos, pos));
        }
        for (long i = 0; i < nTensors; i++) {
            int namePos = pos;
            String name = string(pos);
            pos += 8 + (int) b.getLong(pos);
            int nDimsPos = pos;
            int nDims = b.getInt(pos);
            pos += 4;
            int dimsPos = pos;
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = b.getLong(pos);
                pos += 8;
            }
            int typePos = pos;
            int type = b.getInt(pos);
            pos += 4;
            int offsetPos = pos;
            long offset = b.getLong(pos);
            pos += 8;
            tensors.add(new TensorInfo(name, namePos, nDimsPos, nDims, dimsPos, ne, typePos, type, offsetPos, offset));
        }
        headerEnd = pos;
    }

    private String string(int pos) {
        int len = (int) b.getLong(pos);
        byte[] s = new byte[len];
        b.get(pos + 8, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private int skipValue(int type, int pos) {
        switch (type) {
            case 0, 1, 7: return pos + 1;          // u8, i8, bool
            case 2, 3: return pos + 2;             // u16, i16
            case 4, 5, 6: return pos + 4;          // u32, i32, f32
            case 10, 11, 12: return pos + 8;       // u64, i64, f64
            case 8: return pos + 8 + (int) b.getLong(pos);  // string
            case 9: {                              // array: elem type, u64 n, elements
                int elem = b.getInt(pos);
                long n = b.getLong(pos + 4);
                int p = pos + 12;
                for (long i = 0; i < n; i++) p = skipValue(elem, p);
                return p;
            }
            default: throw new IllegalArgumentException("unknown GGUF type " + type);
        }
    }

    Kv kv(String key) {
        return kvs.stream().filter(k -> k.key().equals(key)).findFirst().orElseThrow();
    }

    TensorInfo tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** A copy of {@code file} with a little-endian value of {@code width} bytes at {@code pos}. */
    static byte[] patch(byte[] file, long pos, long value, int width) {
        byte[] c = file.clone();
        for (int i = 0; i < width; i++) c[(int) pos + i] = (byte) (value >>> (8 * i));
        return c;
    }
}
