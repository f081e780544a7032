package io.llamasae.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.io.AtomicFiles;
import io.llamasae.io.HalfFloats;
import io.llamasae.report.StudyJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes sparse SAE codes as an EleutherAI Delphi latent cache, the layout Delphi's
 * {@code LatentCache.save_splits} / {@code save_config} write and its {@code LatentDataset} reads:
 * <pre>
 * DIR/&lt;hookpoint&gt;/&lt;start&gt;_&lt;end&gt;.safetensors   one file per latent range [start, end] (end inclusive)
 *     locations   [N, 3]  (sequence, token position, latent − start), uint16 when every value fits, else uint32
 *     activations [N]     float16
 *     tokens      [S, T]  int64, every sequence's token ids (the same tensor in every split)
 * DIR/&lt;hookpoint&gt;/config.json                 Delphi's CacheConfig keys plus model_name
 * </pre>
 * Locations are in Delphi's order (sequence, position, latent ascending); like Delphi, activations with
 * |a| ≤ 1e-5 are left out. Unlike Delphi, which holds the whole cache in memory before saving (its
 * issue #38), rows are streamed batch by batch into one spill file per split and each split file is
 * assembled at {@link #commit} by copying its spills, so caches larger than memory work. Sequences are
 * padded to the longest one with {@code padToken}.
 */
public final class DelphiCacheWriter implements AutoCloseable {
    /** Delphi's threshold for a non-zero activation ({@code latents.abs() > 1e-5}). */
    public static final float NONZERO = 1e-5f;

    private final Path hookDir;
    private final int numLatents;
    private final int[] bounds;          // split s covers latents [bounds[s], bounds[s + 1])
    private final int nSequences;
    private final int seqLen;
    private final int padToken;
    private final boolean u16;
    private final Spill[] locations;
    private final Spill[] activations;
    private final Spill tokens;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private int sequencesAdded;
    private long lastRow = -1;           // sequence * seqLen + position of the last row added (rows must ascend)
    private boolean committed;

    private static final class Spill {
        final Path file;
        final FileChannel ch;
        long elements;

        Spill(Path near) throws IOException {
            file = AtomicFiles.tempBeside(near);
            ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        }

        void write(ByteBuffer b) throws IOException {
            b.flip();
            while (b.hasRemaining()) ch.write(b);
            b.clear();
        }
    }

    /**
     * @param dir        cache root (Delphi's {@code latents} folder)
     * @param hookpoint  folder name, e.g. {@code layers.13} (the module whose output the SAE reads)
     * @param nSplits    latent ranges (files) per hookpoint, as Delphi's {@code n_splits}
     * @param nSequences sequences that will be added ({@link #addSequence}), in order
     * @param seqLen     the longest sequence; shorter ones are padded
     */
    public DelphiCacheWriter(Path dir, String hookpoint, int numLatents, int nSplits, int nSequences, int seqLen, int padToken)
            throws IOException {
        if (numLatents < 1 || nSplits < 1 || nSplits > numLatents || nSequences < 1 || seqLen < 1) {
            throw new IllegalArgumentException("Delphi cache: expected latents >= 1, 1 <= splits <= latents, sequences >= 1 and length >= 1 "
                    + "but found " + numLatents + ", " + nSplits + ", " + nSequences + ", " + seqLen);
        }
        if (!hookpoint.matches("[A-Za-z0-9_.\\-]+")) {
            throw new IllegalArgumentException("Delphi cache: hookpoint '" + hookpoint + "' is not a plain folder name");
        }
        this.hookDir = dir.resolve(hookpoint);
        Files.createDirectories(hookDir);
        this.numLatents = numLatents;
        this.bounds = new int[nSplits + 1];
        for (int s = 0; s <= nSplits; s++) bounds[s] = (int) ((long) s * numLatents / nSplits);
        this.nSequences = nSequences;
        this.seqLen = seqLen;
        this.padToken = padToken;
        int widest = 0;
        for (int s = 0; s < nSplits; s++) widest = Math.max(widest, bounds[s + 1] - bounds[s]);
        // Delphi: uint16 when the latent offsets and sequence indices fit (we also require the positions to fit)
        this.u16 = widest <= 65536 && nSequences <= 65536 && seqLen <= 65536;
        this.locations = new Spill[nSplits];
        this.activations = new Spill[nSplits];
        Spill tok = null;
        try {
            for (int s = 0; s < nSplits; s++) {
                locations[s] = new Spill(splitFile(s));
                activations[s] = new Spill(splitFile(s));
            }
            tok = new Spill(hookDir.resolve("config.json"));
        } catch (IOException e) {
            deleteSpills();
            throw e;
        }
        this.tokens = tok;
        config.put("dataset_repo", "");
        config.put("dataset_split", "");
        config.put("dataset_name", "");
        config.put("dataset_column", "prompt");
        config.put("batch_size", 0);
        config.put("cache_ctx_len", seqLen);
        config.put("ctx_len", seqLen);
        config.put("n_tokens", 0L);
        config.put("n_splits", nSplits);
        config.put("model_name", "");
    }

    /** The file of split {@code s}: {@code <start>_<end>.safetensors}, end inclusive as in Delphi. */
    public Path splitFile(int s) {
        return hookDir.resolve(bounds[s] + "_" + (bounds[s + 1] - 1) + ".safetensors");
    }

    public int splits() {
        return bounds.length - 1;
    }

    /** Sets a config.json key (Delphi reads model_name, dataset_*, cache_ctx_len / ctx_len, n_splits). */
    public void config(String key, Object value) {
        config.put(key, value);
    }

    /** Appends the next sequence's token ids (padded to the cache's length). */
    public void addSequence(int[] ids) throws IOException {
        if (sequencesAdded >= nSequences) throw new IllegalStateException("Delphi cache: more than the " + nSequences + " declared sequences");
        if (ids.length > seqLen) {
            throw new IllegalArgumentException("Delphi cache: sequence " + sequencesAdded + " has " + ids.length + " tokens, more than the declared "
                    + seqLen);
        }
        ByteBuffer b = ByteBuffer.allocate(seqLen * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < seqLen; i++) b.putLong(i < ids.length ? ids[i] : padToken);
        tokens.write(b);
        tokens.elements += seqLen;
        sequencesAdded++;
    }

    /**
     * Appends code rows: row r is token {@code position[r]} of sequence {@code sequence[r]} with codes
     * {@code indices/values [rows, k]} (index −1 = padding). Rows must come in ascending (sequence, position)
     * order across calls, each (sequence, position) once.
     */
    public void addRows(int[] sequence, int[] position, int[] indices, float[] values, int rows, int k) throws IOException {
        int nSplits = splits();
        ByteBuffer[] loc = new ByteBuffer[nSplits];
        ByteBuffer[] act = new ByteBuffer[nSplits];
        int locBytes = u16 ? 6 : 12;
        int cap = Math.max(1, rows * k);
        int[] order = new int[k];
        for (int r = 0; r < rows; r++) {
            int seq = sequence[r], pos = position[r];
            if (seq < 0 || seq >= nSequences || pos < 0 || pos >= seqLen) {
                throw new IllegalArgumentException("Delphi cache: row (" + seq + ", " + pos + ") outside " + nSequences + " sequences of "
                        + seqLen + " tokens");
            }
            long key = (long) seq * seqLen + pos;
            if (key <= lastRow) throw new IllegalArgumentException("Delphi cache: rows must ascend by (sequence, position); (" + seq + ", " + pos
                    + ") came after an equal or later row");
            lastRow = key;
            // latents ascending within a row: torch.nonzero's order over [batch, seq, latent]
            int n = 0;
            for (int j = 0; j < k; j++) {
                int f = indices[r * k + j];
                float v = values[r * k + j];
                if (f < 0 || !(Math.abs(v) > NONZERO)) continue;
                if (f >= numLatents) throw new IllegalArgumentException("Delphi cache: latent " + f + " outside [0, " + numLatents + ")");
                order[n++] = r * k + j;
            }
            sortByLatent(order, n, indices);
            for (int i = 0; i < n; i++) {
                int f = indices[order[i]];
                int s = split(f);
                if (loc[s] == null) {
                    loc[s] = ByteBuffer.allocate(cap * locBytes).order(ByteOrder.LITTLE_ENDIAN);
                    act[s] = ByteBuffer.allocate(cap * 2).order(ByteOrder.LITTLE_ENDIAN);
                }
                int off = f - bounds[s];
                if (u16) {
                    loc[s].putShort((short) seq).putShort((short) pos).putShort((short) off);
                } else {
                    loc[s].putInt(seq).putInt(pos).putInt(off);
                }
                act[s].putShort(HalfFloats.floatToF16(values[order[i]]));
                activations[s].elements++;
            }
        }
        for (int s = 0; s < nSplits; s++) {
            if (loc[s] != null) {
                locations[s].write(loc[s]);
                activations[s].write(act[s]);
            }
        }
    }

    private static void sortByLatent(int[] order, int n, int[] indices) {
        for (int i = 1; i < n; i++) {
            int x = order[i];
            int j = i - 1;
            while (j >= 0 && indices[order[j]] > indices[x]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
    }

    private int split(int latent) {
        int s = Arrays.binarySearch(bounds, latent);
        return s >= 0 ? Math.min(s, splits() - 1) : -s - 2;
    }

    /** Writes every split file and config.json (each atomically) and removes the spills. */
    public List<Path> commit() throws IOException {
        if (sequencesAdded != nSequences) {
            throw new IllegalStateException("Delphi cache: " + sequencesAdded + " of the " + nSequences + " declared sequences were added");
        }
        List<Path> written = new ArrayList<>();
        for (int s = 0; s < splits(); s++) {
            long n = activations[s].elements;
            String locType = u16 ? "U16" : "U32";
            long locLen = n * 3 * (u16 ? 2 : 4);
            long actLen = n * 2;
            long tokLen = tokens.elements * 8;
            String header = "{\"activations\":{\"dtype\":\"F16\",\"shape\":[" + n + "],\"data_offsets\":[0," + actLen + "]},"
                    + "\"locations\":{\"dtype\":\"" + locType + "\",\"shape\":[" + n + ",3],\"data_offsets\":[" + actLen + "," + (actLen + locLen) + "]},"
                    + "\"tokens\":{\"dtype\":\"I64\",\"shape\":[" + nSequences + "," + seqLen + "],\"data_offsets\":[" + (actLen + locLen) + ","
                    + (actLen + locLen + tokLen) + "]}}";
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            int padded = (h.length + 7) / 8 * 8;   // the data starts 8-byte aligned, as safetensors writes it
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(h);
            while (head.position() < 8 + padded) head.put((byte) ' ');
            head.flip();
            Path out = splitFile(s);
            Path tmp = AtomicFiles.tempBeside(out);
            try {
                try (FileChannel w = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    while (head.hasRemaining()) w.write(head);
                    copy(activations[s], w);
                    copy(locations[s], w);
                    copy(tokens, w);
                    w.force(true);
                }
                AtomicFiles.moveInto(tmp, out);
            } finally {
                Files.deleteIfExists(tmp);
            }
            written.add(out);
        }
        long realTokens = config.get("n_tokens") instanceof Number num ? num.longValue() : 0;
        ObjectNode cfg = StudyJson.MAPPER.valueToTree(config);
        if (realTokens == 0) cfg.put("n_tokens", tokens.elements);
        Path cfgFile = hookDir.resolve("config.json");
        AtomicFiles.writeString(cfgFile, StudyJson.MAPPER.writeValueAsString(cfg) + "\n");
        written.add(cfgFile);
        committed = true;
        deleteSpills();
        return written;
    }

    private static void copy(Spill s, FileChannel dst) throws IOException {
        long size = s.ch.size();
        long done = 0;
        while (done < size) done += s.ch.transferTo(done, size - done, dst);
    }

    private void deleteSpills() {
        List<Spill> all = new ArrayList<>();
        for (Spill s : locations) if (s != null) all.add(s);
        for (Spill s : activations) if (s != null) all.add(s);
        if (tokens != null) all.add(tokens);
        for (Spill s : all) {
            try {
                s.ch.close();
                Files.deleteIfExists(s.file);
            } catch (IOException e) {
                throw new UncheckedIOException("Delphi cache: removing " + s.file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Without a commit, removes every temp file and leaves earlier cache files untouched. */
    @Override
    public void close() {
        if (!committed) deleteSpills();
    }
}
