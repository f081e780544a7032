package io.llamasae.sae;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntUnaryOperator;

/**
 * A sparse-codes file as {@code capture --codes-out}, {@code encode} and {@code sweep --codes} write it: per (layer,
 * position) {@code layer{L}.pos{P}.indices} (I32 [N, k]) and {@code .values} (F32 [N, k]); {@code __metadata__}
 * {@code sample_ids} (JSON list, one per row) and {@code n_latents} when the writer knew them. Reads the codes in
 * windows, so files larger than memory work.
 */
public final class CodesFile implements AutoCloseable {
    /** Rows read per window. */
    static final int WINDOW_ROWS = 4096;

    private final Path file;
    private final SafetensorsReader reader;

    private CodesFile(Path file, SafetensorsReader reader) {
        this.file = file;
        this.reader = reader;
    }

    public static CodesFile open(Path file) throws IOException {
        return new CodesFile(file, SafetensorsReader.open(file));
    }

    public Path file() {
        return file;
    }

    /** The (layer, position) prefixes with both tensors, in file order ({@code layer3.pos-1}). */
    public List<String> prefixes() {
        List<String> out = new ArrayList<>();
        for (String name : reader.tensors().keySet()) {
            if (name.endsWith(".indices")) {
                String prefix = name.substring(0, name.length() - ".indices".length());
                if (reader.has(prefix + ".values")) out.add(prefix);
            }
        }
        return out;
    }

    /** The shape [N, k] of a prefix's codes (both tensors checked). */
    public long[] shape(String prefix) throws IOException {
        if (!reader.has(prefix + ".indices") || !reader.has(prefix + ".values")) {
            throw new IllegalArgumentException(file + ": expected tensors " + prefix + ".indices and " + prefix + ".values but found only "
                    + prefixes());
        }
        TensorInfo idx = reader.info(prefix + ".indices");
        TensorInfo val = reader.info(prefix + ".values");
        if (idx.dtype() != io.llamasae.sae.safetensors.DType.I32 || val.dtype() != io.llamasae.sae.safetensors.DType.F32) {
            throw new IllegalArgumentException(file + ": " + prefix + ": dtype: expected I32 indices and F32 values but found "
                    + idx.dtype() + " and " + val.dtype());
        }
        if (idx.rank() != 2 || !Arrays.equals(idx.shape(), val.shape())) {
            throw new IllegalArgumentException(file + ": " + prefix + ": expected .indices and .values of one shape [N, k] but found "
                    + Arrays.toString(idx.shape()) + " and " + Arrays.toString(val.shape()));
        }
        return idx.shape();
    }

    /** {@code n_latents} from the metadata, if the writer recorded it. */
    public OptionalInt numLatents() {
        String stored = reader.metadata().get("n_latents");
        if (stored == null) return OptionalInt.empty();
        try {
            int f = Integer.parseInt(stored.trim());
            if (f >= 1) return OptionalInt.of(f);
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(file + ": __metadata__ n_latents: expected an integer >= 1 but found '" + stored + "'");
    }

    /** {@code sample_ids} from the metadata, if present. */
    public Optional<List<String>> sampleIds() {
        String ids = reader.metadata().get("sample_ids");
        if (ids == null) return Optional.empty();
        try {
            return Optional.of(new ObjectMapper().readValue(ids, new TypeReference<List<String>>() {}));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": __metadata__ sample_ids: expected a JSON list of strings (" + e.getMessage() + ")");
        }
    }

    /**
     * The feature statistics of a prefix's codes: row r is sample {@code sampleOfRow(r)} at the token position the file
     * records ({@code pos{P}.position}, I32 [N]: a sweep's codes), else at P itself (one row per sample; a negative P
     * stays as written), accumulated window by window with the engine's exact definitions.
     */
    public FeatureStatistics statistics(String prefix, int numLatents, int topN, IntUnaryOperator sampleOfRow) throws IOException {
        long[] shape = shape(prefix);
        long rows = shape[0];
        int k = Math.toIntExact(shape[1]);
        String p = prefix.substring(prefix.lastIndexOf(".pos") + 4);
        String positions = reader.has("pos" + p + ".position") ? "pos" + p + ".position" : null;
        if (positions != null && reader.info(positions).dim(0) != rows) {
            throw new IllegalArgumentException(file + ": " + positions + ": expected " + rows + " rows (one per code row) but found "
                    + reader.info(positions).dim(0));
        }
        int fixed;
        try {
            fixed = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": " + prefix + ": expected a fixed position layer{L}.pos{P} but found pos" + p);
        }
        FeatureStatistics stats = new FeatureStatistics(numLatents, topN);
        for (long first = 0; first < rows; first += WINDOW_ROWS) {
            int n = (int) Math.min(WINDOW_ROWS, rows - first);
            ByteBuffer ib = reader.window(prefix + ".indices", first * k, (long) n * k).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer vb = reader.window(prefix + ".values", first * k, (long) n * k).order(ByteOrder.LITTLE_ENDIAN);
            int[] sample = new int[n];
            for (int r = 0; r < n; r++) sample[r] = sampleOfRow.applyAsInt(Math.toIntExact(first + r));
            int[] position = new int[n];
            if (positions != null) {
                reader.window(positions, first, n).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(position);
            } else {
                java.util.Arrays.fill(position, fixed);
            }
            try {
                stats.accumulate(ib.asIntBuffer(), vb.asFloatBuffer(), n, k, java.nio.IntBuffer.wrap(sample), java.nio.IntBuffer.wrap(position));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + prefix + " rows " + first + "..: " + e.getMessage(), e);
            }
        }
        return stats;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
