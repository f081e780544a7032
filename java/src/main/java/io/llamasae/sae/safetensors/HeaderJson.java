package io.llamasae.sae.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the 8-byte length + JSON header block for writers: metadata first, tensors by name. */
final class HeaderJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HeaderJson() {
    }

    /** One entry to lay out: data offsets are assigned contiguously in list order. */
    record Entry(String name, DType dtype, long[] shape) {
        long bytes() {
            long n = dtype.byteSize();
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }
    }

    /**
     * Length prefix + header JSON padded with spaces so the data area starts at a multiple of 8.
     * {@code entries} must already be sorted by name.
     */
    static ByteBuffer encode(List<Entry> entries, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode md = root.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(md::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            if (e.name().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode sh = t.putArray("shape");
            for (long s : e.shape()) {
                sh.add(s);
            }
            long end = Math.addExact(offset, e.bytes());
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded);
        b.put(json);
        while (b.hasRemaining()) {
            b.put((byte) ' ');
        }
        b.flip();
        return b;
    }
}
