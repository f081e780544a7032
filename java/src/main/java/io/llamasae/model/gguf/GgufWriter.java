package io.llamasae.model.gguf;

import io.llamasae.io.HalfFloats;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a GGUF v3 file in memory (metadata + tensors encoded from floats as F32/F16/BF16/Q8_0, raw tensors of any type) and writes it atomically
 * (temporary file in the target directory, then rename). Intended for test models and small
 * artefacts; tensor data is held in memory until {@link #write}.
 *
 * <p>Output is a pure function of the calls made: same calls, byte-identical file.
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    /** A tensor to write: either float data converted on write (F32/F16) or raw bytes of any type. */
    private record PendingTensor(String name, GgmlType type, long[] ne, float[] data, byte[] raw) {
        long byteSize() {
            return raw != null ? raw.length : type.byteSize(data.length);
        }
    }

    /** Adds (or replaces) a metadata key; order of first insertion is kept. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.equals("general.alignment")) {
            if (value.type() != GgufValueType.UINT32) {
                throw new IllegalArgumentException("general.alignment must be UINT32 but found " + value.type());
            }
            long a = value.asLong();
            if (a == 0 || (a & (a - 1)) != 0) {
                throw new IllegalArgumentException("general.alignment must be a power of two but found " + a);
            }
        }
        metadata.put(key, value);
        return this;
    }

    /** Metadata added so far, in insertion order (unmodifiable view). */
    public Map<String, GgufValue> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    public GgufWriter putString(String key, String v) { return put(key, GgufValue.string(v)); }
    public GgufWriter putUInt32(String key, long v) { return put(key, GgufValue.uint32(v)); }
    public GgufWriter putInt32(String key, int v) { return put(key, GgufValue.int32(v)); }
    public GgufWriter putFloat32(String key, float v) { return put(key, GgufValue.float32(v)); }
    public GgufWriter putBool(String key, boolean v) { return put(key, GgufValue.bool(v)); }

    /**
     * Adds a tensor stored as {@code type}: F32, F16, BF16 (round to nearest even) or Q8_0 (ggml's reference quantizer).
     *
     * @param ne   ggml shape, ne[0] contiguous; a weight {@code W: [out, in]} is ne = {in, out}
     * @param data values in ggml order, length = product of ne (copied)
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, float[] data) {
        long n = checkShape(name, ne);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape has " + n + " elements but found " + data.length + " values");
        }
        if (type == GgmlType.F32 || type == GgmlType.F16) {
            tensors.add(new PendingTensor(name, type, ne.clone(), data.clone(), null));
            return this;
        }
        if (type != GgmlType.BF16 && type != GgmlType.Q8_0) {
            throw new IllegalArgumentException("tensor '" + name + "': GgufWriter encodes floats as F32, F16, BF16 or Q8_0 but found " + type
                    + " (use addRawTensor)");
        }
        if (ne[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': ne[0] must be a multiple of the " + type + " block size "
                    + type.blockSize + " but found " + ne[0]);
        }
        return addRawTensor(name, type, ne, GgmlQuantizer.encode(type, data));
    }

    /**
     * Adds a tensor of any ggml type from its raw little-endian bytes (e.g. Q8_0 blocks).
     *
     * @param bytes exactly {@code type.byteSize(product of ne)} bytes (copied)
     */
    public GgufWriter addRawTensor(String name, GgmlType type, long[] ne, byte[] bytes) {
        Objects.requireNonNull(type, "type");
        long n = checkShape(name, ne);
        if (ne[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': ne[0] must be a multiple of the " + type + " block size "
                    + type.blockSize + " but found " + ne[0]);
        }
        if (type.byteSize(n) != bytes.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + n + " elements of " + type + " take " + type.byteSize(n)
                    + " bytes but found " + bytes.length);
        }
        tensors.add(new PendingTensor(name, type, ne.clone(), null, bytes.clone()));
        return this;
    }

    private long checkShape(String name, long[] ne) {
        Objects.requireNonNull(name, "name");
        if (ne.length < 1 || ne.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': expected 1.." + GgufReader.MAX_DIMS + " dims but found " + ne.length);
        }
        long n = 1;
        for (long d : ne) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        for (PendingTensor t : tensors) {
            if (t.name.equals(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' added twice");
            }
        }
        return n;
    }

    private long alignment() {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufReader.DEFAULT_ALIGNMENT : a.asLong();
    }

    /** Writes the file atomically; an existing file at {@code path} is replaced only on success. */
    public void write(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writeTo(os);
            }
            // createTempFile makes the file owner-only; a model file is ordinary readable data
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            io.llamasae.io.AtomicFiles.moveInto(tmp, abs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams the complete file to {@code os}. */
    public void writeTo(OutputStream os) throws IOException {
        LeWriter w = new LeWriter(os);
        long alignment = alignment();
        // header
        w.i32(GgufReader.MAGIC);
        w.i32(3);
        w.i64(tensors.size());
        w.i64(metadata.size());
        // metadata
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            w.string(e.getKey());
            w.i32(e.getValue().type().id);
            writeValue(w, e.getValue().type(), e.getValue().value());
        }
        // tensor infos with aligned offsets
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (PendingTensor t : tensors) {
            offsets.add(offset);
            offset = GgufReader.alignUp(Math.addExact(offset, t.byteSize()), alignment);
        }
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            w.string(t.name);
            w.i32(t.ne.length);
            for (long d : t.ne) {
                w.i64(d);
            }
            w.i32(t.type.id);
            w.i64(offsets.get(i));
        }
        // data section: padding to alignment, then each tensor padded to alignment
        w.pad(alignment);
        long dataStart = w.count;
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            if (w.count - dataStart != offsets.get(i)) {
                throw new IllegalStateException("internal: tensor offset mismatch for " + t.name);
            }
            if (t.raw != null) {
                w.bytes(t.raw);
                w.pad(alignment);
                continue;
            }
            ByteBuffer bb = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.data) {
                if (t.type == GgmlType.F32) {
                    bb.putFloat(v);
                } else {
                    bb.putShort(HalfFloats.floatToF16(v));
                }
            }
            w.bytes(bb.array());
            w.pad(alignment);
        }
        w.out.flush();
    }

    private static void writeValue(LeWriter w, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> w.u8((Byte) v);
            case BOOL -> w.u8((Boolean) v ? 1 : 0);
            case UINT16, INT16 -> w.i16((Short) v);
            case UINT32, INT32 -> w.i32((Integer) v);
            case UINT64, INT64 -> w.i64((Long) v);
            case FLOAT32 -> w.i32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> w.i64(Double.doubleToRawLongBits((Double) v));
            case STRING -> w.string((String) v);
            case ARRAY -> {
                GgufArray a = (GgufArray) v;
                w.i32(a.elementType().id);
                w.i64(a.size());
                for (Object e : a.values()) {
                    writeValue(w, a.elementType(), e);
                }
            }
        }
    }

    /** Little-endian primitive writer that counts bytes (for alignment). */
    private static final class LeWriter {
        final OutputStream out;
        long count;
        private final byte[] scratch = new byte[8];

        LeWriter(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            count++;
        }

        void i16(short v) throws IOException {
            scratch[0] = (byte) v;
            scratch[1] = (byte) (v >>> 8);
            out.write(scratch, 0, 2);
            count += 2;
        }

        void i32(int v) throws IOException {
            for (int i = 0; i < 4; i++) {
                scratch[i] = (byte) (v >>> (8 * i));
            }
            out.write(scratch, 0, 4);
            count += 4;
        }

        void i64(long v) throws IOException {
            for (int i = 0; i < 8; i++) {
                scratch[i] = (byte) (v >>> (8 * i));
            }
            out.write(scratch, 0, 8);
            count += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            count += b.length;
        }

        void pad(long alignment) throws IOException {
            while (count % alignment != 0) {
                u8(0);
            }
        }
    }
}
