package io.llamasae.sae.safetensors;

import io.llamasae.io.HalfFloats;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file through memory mappings of the tensors' byte ranges (one mapping per
 * request, so files and tensors beyond 2 GiB work as long as one requested window fits a
 * ByteBuffer). The header is validated strictly on open; every violation is a
 * {@link SafetensorsFormatException} naming the file, tensor and field.
 *
 * <p>Layout: u64 little-endian header length N, N bytes of UTF-8 JSON object
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__":
 * {"k": "v"}}}, then the data area; offsets are relative to the data area.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** Same limit as the reference Rust implementation: headers above 100 MB are rejected. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors; // sorted by name
    private final Map<String, String> metadata;

    private SafetensorsReader(Path file, FileChannel channel, long dataStart,
                              Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}; the caller closes the reader. */
    public static SafetensorsReader open(Path file) throws IOException {
        io.llamasae.io.InputFiles.requireRegularFile(file, "safetensors file");  // a named pipe would block forever
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw SafetensorsFormatException.of(file, null, "header length", "at least 8 bytes in the file",
                        size + " bytes");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
                throw SafetensorsFormatException.of(file, null, "header length",
                        "2.." + Math.min(size - 8, MAX_HEADER_BYTES) + " (file is " + size + " bytes)",
                        Long.toUnsignedString(headerLen));
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(file, ch, hb, 8);
            hb.flip();
            String json;
            try {
                CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb);
                json = cb.toString();
            } catch (CharacterCodingException e) {
                throw SafetensorsFormatException.of(file, null, "header", "valid UTF-8", "invalid byte sequence");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Header h = parseHeader(file, json, dataSize);
            return new SafetensorsReader(file, ch, dataStart, h.tensors, h.metadata);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    private static Header parseHeader(Path file, String json, long dataSize) throws SafetensorsFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage();
            throw SafetensorsFormatException.of(file, null, "header", "a JSON object",
                    "invalid JSON (" + (msg == null ? e.getClass().getSimpleName() : firstLine(msg)) + ")");
        }
        if (root == null || !root.isObject()) {
            throw SafetensorsFormatException.of(file, null, "header", "a JSON object",
                    root == null ? "nothing" : root.getNodeType().toString());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw SafetensorsFormatException.of(file, null, "__metadata__", "an object of strings",
                            v.getNodeType().toString());
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> me = m.next();
                    if (!me.getValue().isTextual()) {
                        throw SafetensorsFormatException.of(file, null, "__metadata__." + me.getKey(), "a string",
                                me.getValue().getNodeType().toString());
                    }
                    metadata.put(me.getKey(), me.getValue().textValue());
                }
                continue;
            }
            list.add(parseEntry(file, name, v, dataSize));
        }
        // Non-overlap: sort by begin, then each range must start at or after the previous end.
        List<TensorInfo> byBegin = new ArrayList<>(list);
        byBegin.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo prev = byBegin.get(i - 1);
            TensorInfo cur = byBegin.get(i);
            if (cur.begin() < prev.end() && cur.byteLength() > 0 && prev.byteLength() > 0) {
                throw SafetensorsFormatException.of(file, cur.name(), "data_offsets",
                        "a range not overlapping tensor '" + prev.name() + "' [" + prev.begin() + "," + prev.end() + ")",
                        "[" + cur.begin() + "," + cur.end() + ")");
            }
        }
        list.sort(Comparator.comparing(TensorInfo::name));
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : list) {
            tensors.put(t.name(), t);
        }
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataSize)
            throws SafetensorsFormatException {
        if (!v.isObject()) {
            throw SafetensorsFormatException.of(file, name, "entry", "an object with dtype, shape, data_offsets",
                    v.getNodeType().toString());
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw SafetensorsFormatException.of(file, name, "dtype", "a string", dt == null ? "nothing" : dt.toString());
        }
        DType dtype = DType.fromHeaderName(dt.textValue()).orElseThrow(() -> SafetensorsFormatException.of(
                file, name, "dtype", "one of F32, F16, BF16, I32, I64", "'" + dt.textValue() + "'"));
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw SafetensorsFormatException.of(file, name, "shape", "an array of non-negative integers",
                    sh == null ? "nothing" : sh.getNodeType().toString());
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, name, "shape[" + i + "]", sh.get(i));
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw SafetensorsFormatException.of(file, name, "data_offsets", "an array [begin, end]",
                    off == null ? "nothing" : off.toString());
        }
        long begin = nonNegativeLong(file, name, "data_offsets[0]", off.get(0));
        long end = nonNegativeLong(file, name, "data_offsets[1]", off.get(1));
        if (end < begin) {
            throw SafetensorsFormatException.of(file, name, "data_offsets", "begin <= end",
                    "[" + begin + "," + end + "]");
        }
        if (end > dataSize) {
            throw SafetensorsFormatException.of(file, name, "data_offsets",
                    "end <= " + dataSize + " (size of the data area)", "end " + end);
        }
        long expectedBytes;
        try {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            expectedBytes = Math.multiplyExact(n, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw SafetensorsFormatException.of(file, name, "shape", "a byte size that fits in 63 bits",
                    java.util.Arrays.toString(shape));
        }
        if (end - begin != expectedBytes) {
            throw SafetensorsFormatException.of(file, name, "data_offsets",
                    expectedBytes + " bytes (shape " + java.util.Arrays.toString(shape) + " x " + dtype + ")",
                    (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path file, String tensor, String field, JsonNode n)
            throws SafetensorsFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw SafetensorsFormatException.of(file, tensor, field, "a non-negative 64-bit integer",
                    n == null ? "nothing" : n.toString());
        }
        return n.longValue();
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new SafetensorsFormatException(file + ": header: unexpected end of file (file shrank while read)");
            }
            pos += r;
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** Tensor entries sorted by name (unmodifiable). */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map (empty when absent; unmodifiable). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** True when the header has a tensor called {@code name}. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The entry for {@code name}; a SafetensorsFormatException naming the file when absent. */
    public TensorInfo info(String name) throws SafetensorsFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw SafetensorsFormatException.of(file, name, "tensor", "present in the header",
                    "no such tensor (have " + tensors.keySet() + ")");
        }
        return t;
    }

    /** Zero-copy little-endian read-only view of the whole tensor (at most 2 GiB - 1 bytes). */
    public ByteBuffer buffer(String name) throws IOException {
        TensorInfo t = info(name);
        return map(t, 0, t.byteLength());
    }

    /**
     * Zero-copy view of elements [firstElement, firstElement + count) of a tensor, for streaming
     * over tensors larger than one mapping.
     */
    public ByteBuffer window(String name, long firstElement, long count) throws IOException {
        TensorInfo t = info(name);
        long n = t.elementCount();
        if (firstElement < 0 || count < 0 || firstElement > n - count) {
            throw new IndexOutOfBoundsException(file + ": tensor '" + name + "': window [" + firstElement + ", "
                    + firstElement + "+" + count + ") outside 0.." + n);
        }
        int es = t.dtype().byteSize();
        return map(t, Math.multiplyExact(firstElement, es), Math.multiplyExact(count, es));
    }

    private ByteBuffer map(TensorInfo t, long byteOffset, long byteLength) throws IOException {
        if (byteLength > Integer.MAX_VALUE - 8) {
            throw new SafetensorsFormatException(file + ": tensor '" + t.name() + "': a single view holds at most 2 GiB"
                    + " but " + byteLength + " bytes were requested; use window()");
        }
        if (byteLength == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + byteOffset, byteLength)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The whole tensor converted to floats (F32/F16/BF16 only). */
    public float[] readFloats(String name) throws IOException {
        TensorInfo t = info(name);
        int n = arrayLength(t);
        float[] out = new float[n];
        readFloats(name, 0, out, 0, n);
        return out;
    }

    /**
     * Elements [firstElement, firstElement + len) of a floating tensor converted into
     * {@code dst[off .. off + len)}.
     */
    public void readFloats(String name, long firstElement, float[] dst, int off, int len) throws IOException {
        TensorInfo t = info(name);
        if (!t.dtype().isFloating()) {
            throw SafetensorsFormatException.of(file, name, "dtype", "F32, F16 or BF16", t.dtype().name());
        }
        // Map at most WINDOW_ELEMENTS at a time so reads spanning more than 2 GiB of bytes work.
        for (int done = 0; done < len; ) {
            int n = Math.min(len - done, WINDOW_ELEMENTS);
            convertFloats(t, window(name, firstElement + done, n), dst, off + done, n);
            done += n;
        }
    }

    private static final int WINDOW_ELEMENTS = 1 << 26; // 256 MiB of F32

    private static void convertFloats(TensorInfo t, ByteBuffer b, float[] dst, int off, int len) {
        switch (t.dtype()) {
            case F32 -> b.asFloatBuffer().get(dst, off, len);
            case F16 -> {
                for (int i = 0; i < len; i++) {
                    dst[off + i] = HalfFloats.f16ToFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    dst[off + i] = HalfFloats.bf16ToFloat(b.getShort(2 * i));
                }
            }
            default -> throw new AssertionError(t.dtype());
        }
    }

    /** The whole tensor as ints (I32, or I64 values that fit in an int). */
    public int[] readInts(String name) throws IOException {
        TensorInfo t = info(name);
        int n = arrayLength(t);
        ByteBuffer b = buffer(name);
        int[] out = new int[n];
        switch (t.dtype()) {
            case I32 -> b.asIntBuffer().get(out);
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    long v = b.getLong(8 * i);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw SafetensorsFormatException.of(file, name, "value[" + i + "]",
                                "a value that fits in 32 bits", Long.toString(v));
                    }
                    out[i] = (int) v;
                }
            }
            default -> throw SafetensorsFormatException.of(file, name, "dtype", "I32 or I64", t.dtype().name());
        }
        return out;
    }

    /** The whole tensor as longs (I32 or I64). */
    public long[] readLongs(String name) throws IOException {
        TensorInfo t = info(name);
        int n = arrayLength(t);
        ByteBuffer b = buffer(name);
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            default -> throw SafetensorsFormatException.of(file, name, "dtype", "I32 or I64", t.dtype().name());
        }
        return out;
    }

    private int arrayLength(TensorInfo t) throws SafetensorsFormatException {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw SafetensorsFormatException.of(file, t.name(), "shape", "at most 2^31-9 elements for an array read",
                    n + " elements");
        }
        return (int) n;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
