package io.llamasae.model.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads GGUF v2/v3 files: header, metadata, tensor infos, and tensor data as floats.
 *
 * <p>The header is parsed eagerly and validated strictly: every length is checked against the bytes
 * left in the file, sizes are computed with overflow checks, tensor data must lie inside the file and
 * on the alignment boundary. Tensor data is memory-mapped per request (per tensor or per row range),
 * so files larger than 2 GiB work as long as each mapped range is below 2 GiB.
 * All format problems raise {@link GgufFormatException} naming file, field, expected and found.
 */
public final class GgufReader implements AutoCloseable {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final int version;
    private final long alignment;
    private final long dataStart;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;

    private GgufReader(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.fileSize = channel.size();
        GgufHeaderCursor in = new GgufHeaderCursor(file, channel, fileSize);

        // header: magic, version, tensor count, kv count
        if (fileSize < 4) {
            throw GgufFormatException.of(file, "magic", "\"GGUF\" (a GGUF model file)", "a file of only " + fileSize + " bytes");
        }
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw GgufFormatException.of(file, "magic", "\"GGUF\" (a GGUF model file)", String.format("0x%08x", magic));
        }
        version = in.i32("version");
        if (version != 2 && version != 3) {
            throw GgufFormatException.of(file, "version", "2 or 3", Integer.toUnsignedString(version));
        }
        long nTensors = in.u64("tensor_count");
        long nKv = in.u64("metadata_kv_count");
        // each KV takes >= 8 (key length) + 4 (type) + 1 bytes; each tensor info >= 8 + 4 + 8 + 4 + 8
        if (nKv > in.remaining() / 13) {
            throw GgufFormatException.of(file, "metadata_kv_count", "at most " + in.remaining() / 13 + " for a file of this size", Long.toString(nKv));
        }
        if (nTensors > in.remaining() / 32) {
            throw GgufFormatException.of(file, "tensor_count", "at most " + in.remaining() / 32 + " for a file of this size", Long.toString(nTensors));
        }

        // metadata key/value pairs
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = in.string("metadata[" + i + "].key");
            GgufValue value = readValue(in, "metadata '" + key + "'", 0);
            if (kv.putIfAbsent(key, value) != null) {
                throw GgufFormatException.of(file, "metadata '" + key + "'", "unique keys", "a duplicate key");
            }
        }
        metadata = Collections.unmodifiableMap(kv);

        // alignment of the data section and of each tensor's offset
        GgufValue align = kv.get("general.alignment");
        if (align == null) {
            alignment = DEFAULT_ALIGNMENT;
        } else {
            if (align.type() != GgufValueType.UINT32) {
                throw GgufFormatException.of(file, "general.alignment", "type UINT32", align.type().toString());
            }
            long a = align.asLong();
            if (a == 0 || (a & (a - 1)) != 0) {
                throw GgufFormatException.of(file, "general.alignment", "a power of two", Long.toString(a));
            }
            alignment = a;
        }

        // tensor infos (offsets relative to the data section)
        List<GgufTensorInfo> infos = new ArrayList<>();
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        List<long[]> raw = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<GgmlType> types = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String field = "tensor_info[" + i + "]";
            String name = in.string(field + ".name");
            field = "tensor '" + name + "'";
            long nDims = Integer.toUnsignedLong(in.i32(field + ".n_dims"));
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw GgufFormatException.of(file, field + ".n_dims", "1.." + MAX_DIMS, Long.toString(nDims));
            }
            long[] ne = new long[(int) nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64(field + ".ne[" + d + "]");
            }
            long typeId = Integer.toUnsignedLong(in.i32(field + ".type"));
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) {
                throw GgufFormatException.of(file, field + ".type", "a known ggml type id", Long.toString(typeId));
            }
            long offset = in.u64(field + ".offset");
            if (offset % alignment != 0) {
                throw GgufFormatException.of(file, field + ".offset", "a multiple of the alignment " + alignment, Long.toString(offset));
            }
            names.add(name);
            types.add(type);
            long[] entry = new long[ne.length + 1];
            System.arraycopy(ne, 0, entry, 0, ne.length);
            entry[ne.length] = offset;
            raw.add(entry);
        }
        // the data section starts at the next alignment boundary after the header
        dataStart = alignUp(in.position(), alignment);
        if (nTensors > 0 && dataStart > fileSize) {
            throw GgufFormatException.of(file, "data section", "to start at offset " + dataStart, "a file of " + fileSize + " bytes (truncated?)");
        }
        for (int i = 0; i < names.size(); i++) {
            long[] entry = raw.get(i);
            long[] ne = java.util.Arrays.copyOf(entry, entry.length - 1);
            long offset = entry[entry.length - 1];
            String field = "tensor '" + names.get(i) + "'";
            GgmlType type = types.get(i);
            long byteSize;
            try {
                long n = 1;
                for (long d : ne) {
                    n = Math.multiplyExact(n, d);
                }
                if (ne[0] % type.blockSize != 0) {
                    throw GgufFormatException.of(file, field + ".ne[0]", "a multiple of the " + type + " block size " + type.blockSize, Long.toString(ne[0]));
                }
                byteSize = type.byteSize(n);
                long end = Math.addExact(Math.addExact(dataStart, offset), byteSize);
                if (end > fileSize) {
                    throw GgufFormatException.of(file, field + " data", "bytes [" + (dataStart + offset) + ", " + end + ")",
                            "a file of only " + fileSize + " bytes (truncated?)");
                }
            } catch (ArithmeticException e) {
                throw GgufFormatException.of(file, field + ".ne", "a shape whose byte size fits 63 bits", java.util.Arrays.toString(ne));
            }
            GgufTensorInfo info = new GgufTensorInfo(names.get(i), type, ne, offset, dataStart + offset, byteSize);
            if (byName.putIfAbsent(info.name(), info) != null) {
                throw GgufFormatException.of(file, field, "unique tensor names", "a duplicate name");
            }
            infos.add(info);
        }
        tensors = Collections.unmodifiableList(infos);
        tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Opens and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is missing, unreadable, not GGUF, truncated or malformed
     */
    public static GgufReader open(Path file) throws GgufFormatException {
        if (!Files.exists(file)) {
            throw GgufFormatException.of(file, "file", "an existing GGUF file", "no such file");
        }
        if (Files.isDirectory(file)) {
            throw GgufFormatException.of(file, "file", "a GGUF file", "a directory");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw GgufFormatException.of(file, "file", "an existing GGUF file", "no such file");
        } catch (IOException e) {
            throw new GgufFormatException(file + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return new GgufReader(file, ch);
        } catch (GgufFormatException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new GgufFormatException(file + ": cannot read GGUF header: " + e, e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do: the open failure is what matters
        }
    }

    private GgufValue readValue(GgufHeaderCursor in, String field, int depth) throws IOException {
        long typeId = Integer.toUnsignedLong(in.i32(field + " (type)"));
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) {
            throw GgufFormatException.of(file, field + " (type)", "a GGUF value type 0..12", Long.toString(typeId));
        }
        if (type == GgufValueType.ARRAY) {
            return GgufValue.array(readArray(in, field, depth));
        }
        return new GgufValue(type, readScalar(in, type, field));
    }

    private GgufArray readArray(GgufHeaderCursor in, String field, int depth) throws IOException {
        if (depth > 8) {
            throw GgufFormatException.of(file, field, "arrays nested at most 8 deep", "deeper nesting");
        }
        long elemId = Integer.toUnsignedLong(in.i32(field + " (array element type)"));
        GgufValueType elem = GgufValueType.fromId(elemId);
        if (elem == null) {
            throw GgufFormatException.of(file, field + " (array element type)", "a GGUF value type 0..12", Long.toString(elemId));
        }
        long n = in.u64(field + " (array length)");
        // every element takes at least its fixed size, 8 bytes for strings (length), 12 for arrays
        long minSize = elem.size > 0 ? elem.size : (elem == GgufValueType.STRING ? 8 : 12);
        if (n > in.remaining() / minSize) {
            throw GgufFormatException.of(file, field + " (array length)", "at most " + in.remaining() / minSize
                    + " elements of " + elem + " in the remaining " + in.remaining() + " bytes", Long.toString(n));
        }
        List<Object> values = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            String f = field + "[" + i + "]";
            if (elem == GgufValueType.ARRAY) {
                values.add(readArray(in, f, depth + 1));
            } else {
                values.add(readScalar(in, elem, f));
            }
        }
        return new GgufArray(elem, values);
    }

    private Object readScalar(GgufHeaderCursor in, GgufValueType type, String field) throws IOException {
        return switch (type) {
            case UINT8, INT8 -> (byte) in.u8(field);
            case UINT16, INT16 -> in.i16(field);
            case UINT32, INT32 -> in.i32(field);
            case UINT64, INT64 -> in.i64(field);
            case FLOAT32 -> in.f32(field);
            case FLOAT64 -> in.f64(field);
            case BOOL -> {
                int b = in.u8(field);
                if (b > 1) {
                    throw GgufFormatException.of(file, field, "a BOOL of 0 or 1", Integer.toString(b));
                }
                yield b == 1;
            }
            case STRING -> in.string(field);
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    static long alignUp(long x, long alignment) {
        return Math.addExact(x, (alignment - x % alignment) % alignment);
    }

    public Path file() {
        return file;
    }

    public int version() {
        return version;
    }

    public long alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section. */
    public long dataStart() {
        return dataStart;
    }

    public long fileSize() {
        return fileSize;
    }

    /** All metadata in file order (unmodifiable). */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** All tensor infos in file order (unmodifiable). */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** The named tensor, or a GgufFormatException naming it. */
    public GgufTensorInfo tensor(String name) throws GgufFormatException {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw GgufFormatException.of(file, "tensor '" + name + "'", "present", "no tensor of that name");
        }
        return t;
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The metadata value of this key, or a GgufFormatException naming it. */
    public GgufValue require(String key) throws GgufFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw GgufFormatException.of(file, "metadata '" + key + "'", "present", "no such key");
        }
        return v;
    }

    /** Required integer metadata. */
    public long requireLong(String key) throws GgufFormatException {
        GgufValue v = require(key);
        if (!v.type().isInteger()) {
            throw GgufFormatException.of(file, "metadata '" + key + "'", "an integer", v.type().toString());
        }
        try {
            return v.asLong();
        } catch (ArithmeticException e) {
            throw GgufFormatException.of(file, "metadata '" + key + "'", "a value below 2^63", v.toString());
        }
    }

    public long getLong(String key, long defaultValue) throws GgufFormatException {
        return metadata.containsKey(key) ? requireLong(key) : defaultValue;
    }

    /** Required numeric (integer or float) metadata. */
    public double requireDouble(String key) throws GgufFormatException {
        GgufValue v = require(key);
        if (!v.type().isInteger() && v.type() != GgufValueType.FLOAT32 && v.type() != GgufValueType.FLOAT64) {
            throw GgufFormatException.of(file, "metadata '" + key + "'", "a number", v.type().toString());
        }
        return v.asDouble();
    }

    public double getDouble(String key, double defaultValue) throws GgufFormatException {
        return metadata.containsKey(key) ? requireDouble(key) : defaultValue;
    }

    public String requireString(String key) throws GgufFormatException {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.STRING) {
            throw GgufFormatException.of(file, "metadata '" + key + "'", "a STRING", v.type().toString());
        }
        return v.asString();
    }

    /**
     * Maps a tensor's raw bytes read-only, little-endian.
     *
     * @throws GgufFormatException if the tensor is 2 GiB or larger (use {@link #readRows})
     */
    public ByteBuffer mapData(GgufTensorInfo t) throws IOException {
        return map(t.name(), t.fileOffset(), t.byteSize());
    }

    private ByteBuffer map(String name, long offset, long size) throws IOException {
        if (size > Integer.MAX_VALUE) {
            throw GgufFormatException.of(file, "tensor '" + name + "'", "a range below 2 GiB to map (read it by rows)", size + " bytes");
        }
        if (size == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, offset, size);
        return mb.order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The whole tensor as floats in ggml order (ne[0] fastest): for a weight {@code W: [out, in]} with
     * ne = {in, out}, element (o, i) is at {@code o * in + i}.
     *
     * @throws GgufFormatException for dtypes other than F32/F16/BF16/Q8_0 or tensors above 2^31 elements
     */
    public float[] readFloats(GgufTensorInfo t) throws IOException {
        return readRows(t, 0, checkedRows(t));
    }

    /** Like {@link #readFloats} but widened to double. */
    public double[] readDoubles(GgufTensorInfo t) throws IOException {
        float[] f = readFloats(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private int checkedRows(GgufTensorInfo t) throws GgufFormatException {
        long rows = t.nRows();
        if (t.nElements() > Integer.MAX_VALUE - 8) {
            throw GgufFormatException.of(file, "tensor '" + t.name() + "'", "at most 2^31 elements to read at once (read it by rows)",
                    t.nElements() + " elements");
        }
        return (int) rows;
    }

    /**
     * Rows {@code [firstRow, firstRow + nRows)} of ne[0] elements each, as floats: out[r * ne0 + i].
     * Maps only those rows, so it works inside tensors of any size.
     */
    public float[] readRows(GgufTensorInfo t, long firstRow, int nRows) throws IOException {
        if (!t.type().isDequantizable()) {
            throw GgufFormatException.of(file, "tensor '" + t.name() + "'.type", "a supported dtype (F32, F16, BF16, Q8_0)",
                    "unsupported dtype " + t.type());
        }
        if (firstRow < 0 || nRows < 0 || firstRow + nRows > t.nRows()) {
            throw new IndexOutOfBoundsException("rows [" + firstRow + ", " + (firstRow + nRows) + ") of tensor '" + t.name()
                    + "' with " + t.nRows() + " rows");
        }
        long ne0 = t.ne(0);
        long n = Math.multiplyExact(ne0, (long) nRows);
        if (n > Integer.MAX_VALUE - 8) {
            throw GgufFormatException.of(file, "tensor '" + t.name() + "'", "at most 2^31 elements per read", n + " elements");
        }
        float[] out = new float[(int) n];
        long rowBytes = t.rowBytes();
        // map in chunks below 1 GiB so huge row ranges also work
        int rowsPerChunk = (int) Math.max(1, Math.min(nRows, (1L << 30) / Math.max(1, rowBytes)));
        for (int r = 0; r < nRows; r += rowsPerChunk) {
            int k = Math.min(rowsPerChunk, nRows - r);
            ByteBuffer bb = map(t.name(), t.fileOffset() + (firstRow + r) * rowBytes, k * rowBytes);
            GgmlDequantizer.toFloats(t.type(), bb, out, (int) (r * ne0), (int) (k * ne0));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + file + " (" + metadata.size() + " KVs, " + tensors.size() + " tensors)";
    }
}
