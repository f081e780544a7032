package io.llamasae.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.data.Sample;
import io.llamasae.engine.Model;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.sae.safetensors.SafetensorsReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capture --sae --delphi-cache}: the files Delphi's {@code LatentDataset} reads, checked with a
 * safetensors parser written here (header JSON + raw little-endian data): names, dtypes, shapes, the
 * tokens tensor, config.json, and every (sequence, position, latent) of the captured codes once, in
 * Delphi's order, with its fp16 value.
 */
class DelphiCacheTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int N = 40;

    @TempDir
    Path dir;

    /** One tensor of a safetensors file: dtype, shape, raw bytes. */
    record Raw(String dtype, long[] shape, ByteBuffer data) {}

    static Map<String, Raw> parse(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            long n = all.getLong(0);
            assertEquals(0, n % 8, "header padded to 8 bytes");
            byte[] h = new byte[(int) n];
            all.get(8, h);
            JsonNode header = JSON.readTree(h);
            Map<String, Raw> out = new TreeMap<>();
            var it = header.fields();
            long end = 0;
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode sh = e.getValue().get("shape");
                long[] shape = new long[sh.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = sh.get(i).asLong();
                long a = e.getValue().get("data_offsets").get(0).asLong(), b = e.getValue().get("data_offsets").get(1).asLong();
                end = Math.max(end, b);
                out.put(e.getKey(), new Raw(e.getValue().get("dtype").asText(), shape,
                        all.slice((int) (8 + n + a), (int) (b - a)).order(ByteOrder.LITTLE_ENDIAN)));
            }
            assertEquals(ch.size(), 8 + n + end, "no bytes after the last tensor");
            return out;
        }
    }

    /** The capture's codes as "seq,pos,latent" -> value, |value| > 1e-5 only (Delphi's threshold). */
    static Map<String, Float> expected(Path codes, Path acts, List<int[]> tokens, String positions) throws Exception {
        Map<String, Float> out = new TreeMap<>();
        int k = DashboardFixtures.K;
        try (SafetensorsReader r = SafetensorsReader.open(codes)) {
            if (positions.equals("all")) {
                int[] idx = r.readInts("layer1.posall.indices");
                float[] val = r.readFloats("layer1.posall.values");
                int[] seq, pos;
                try (SafetensorsReader a = SafetensorsReader.open(acts)) {
                    seq = a.readInts("posall.sample_index");
                    pos = a.readInts("posall.position");
                }
                for (int row = 0; row < seq.length; row++) {
                    for (int j = 0; j < k; j++) {
                        if (idx[row * k + j] >= 0 && Math.abs(val[row * k + j]) > 1e-5f) out.put(seq[row] + "," + pos[row] + "," + idx[row * k + j], val[row * k + j]);
                    }
                }
            } else {
                for (String p : positions.split(",")) {
                    int[] idx = r.readInts("layer1.pos" + p + ".indices");
                    float[] val = r.readFloats("layer1.pos" + p + ".values");
                    for (int s = 0; s < tokens.size(); s++) {
                        int pp = Integer.parseInt(p);
                        int abs = pp < 0 ? tokens.get(s).length + pp : pp;
                        for (int j = 0; j < k; j++) {
                            if (idx[s * k + j] >= 0 && Math.abs(val[s * k + j]) > 1e-5f) out.put(s + "," + abs + "," + idx[s * k + j], val[s * k + j]);
                        }
                    }
                }
            }
        }
        return out;
    }

    void captureAndCheck(String positions) throws Exception {
        SharedData.requireNatives();
        Path model = DashboardFixtures.model(dir, GgmlType.F16, false);
        Path data = DashboardFixtures.dataset(dir, N);
        Path codes = dir.resolve("codes.safetensors"), acts = dir.resolve("acts.safetensors"), cache = dir.resolve("latents");
        DashboardFixtures.cli("capture", "--model", model.toString(), "--dataset", data.toString(), "--layers", "1", "--positions", positions,
                "--batch", "8", "--sae", DashboardFixtures.saeDir(dir).toString(), "--codes-out", codes.toString(), "--out", acts.toString(),
                "--delphi-cache", cache.toString(), "--delphi-splits", "3");
        List<Sample> samples = DashboardFixtures.samples(data);
        List<int[]> tokens = new ArrayList<>();
        int eos;
        try (Model m = Model.load(model)) {
            for (Sample s : samples) tokens.add(m.tokenize(s.prompt(), true));
            eos = m.info().eosToken();
        }
        Path hook = cache.resolve("layers.1");
        List<String> names;
        try (Stream<Path> s = Files.list(hook)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("0_31.safetensors", "32_63.safetensors", "64_95.safetensors", "config.json"), names, "no temp files left");
        JsonNode cfg = JSON.readTree(hook.resolve("config.json").toFile());
        int seqLen = tokens.stream().mapToInt(t -> t.length).max().orElseThrow();
        for (String key : List.of("dataset_repo", "dataset_split", "dataset_name", "dataset_column", "batch_size", "cache_ctx_len", "n_tokens",
                "n_splits", "model_name")) {
            assertTrue(cfg.has(key), "config.json has Delphi's " + key);
        }
        assertEquals(3, cfg.get("n_splits").asInt());
        assertEquals(seqLen, cfg.get("cache_ctx_len").asInt());
        assertEquals(tokens.stream().mapToLong(t -> t.length).sum(), cfg.get("n_tokens").asLong());

        Map<String, Float> want = expected(codes, acts, tokens, positions);
        Map<String, Float> got = new TreeMap<>();
        int[] starts = {0, 32, 64};
        for (int s = 0; s < 3; s++) {
            Map<String, Raw> t = parse(hook.resolve(names.get(s)));
            assertEquals(List.of("activations", "locations", "tokens"), new ArrayList<>(t.keySet()));
            Raw loc = t.get("locations"), act = t.get("activations"), tok = t.get("tokens");
            assertEquals("U16", loc.dtype(), "uint16 locations when they fit, as Delphi");
            assertEquals("F16", act.dtype());
            assertEquals("I64", tok.dtype());
            long n = act.shape()[0];
            assertEquals(3, loc.shape()[1]);
            assertEquals(n, loc.shape()[0]);
            assertEquals(tokens.size(), tok.shape()[0]);
            assertEquals(seqLen, tok.shape()[1]);
            for (int i = 0; i < tokens.size(); i++) {
                for (int p = 0; p < seqLen; p++) {
                    long id = tok.data().getLong((i * seqLen + p) * 8);
                    assertEquals(p < tokens.get(i).length ? tokens.get(i)[p] : eos, id, "tokens[" + i + ", " + p + "]");
                }
            }
            long prev = -1;
            for (int i = 0; i < n; i++) {
                int seq = Short.toUnsignedInt(loc.data().getShort(i * 6));
                int pos = Short.toUnsignedInt(loc.data().getShort(i * 6 + 2));
                int lat = Short.toUnsignedInt(loc.data().getShort(i * 6 + 4)) + starts[s];
                assertTrue(lat >= starts[s] && lat < starts[s] + 32, "latent in the file's range");
                long key = ((long) seq * seqLen + pos) * 1000 + lat;
                assertTrue(key > prev, "Delphi's order: sequence, position, latent ascending");
                prev = key;
                float v = (float) LogitEffectsTest.half(act.data().getShort(i * 2));
                assertTrue(got.put(seq + "," + pos + "," + lat, v) == null, "each location once");
            }
        }
        assertEquals(want.keySet(), got.keySet(), "every captured non-zero code, nothing else");
        for (var e : want.entrySet()) assertEquals(e.getValue(), got.get(e.getKey()), Math.abs(e.getValue()) * 1e-3f, e.getKey());
        assertTrue(want.size() > N, "codes checked: " + want.size());
    }

    @Test
    void captureAtEveryPositionWritesDelphisLayout() throws Exception {
        captureAndCheck("all");
    }

    @Test
    void captureAtChosenPositionsResolvesThemPerPrompt() throws Exception {
        captureAndCheck("1,-1");
    }

    @Test
    void wideCachesUseUint32AndBadRowsAreRefusedWithoutLeavingFiles() throws Exception {
        Path cache = dir.resolve("wide");
        int nSeq = 65_537;   // one more sequence than uint16 holds
        try (DelphiCacheWriter w = new DelphiCacheWriter(cache, "layers.0", 10, 2, nSeq, 2, 0)) {
            for (int i = 0; i < nSeq; i++) w.addSequence(new int[] {i % 7 + 1});
            // streamed in several batches: rows of sequences 0 and 65536
            w.addRows(new int[] {0}, new int[] {0}, new int[] {7, 2, -1}, new float[] {1.5f, -2f, 0f}, 1, 3);
            w.addRows(new int[] {65_536}, new int[] {1}, new int[] {4, 9, 3}, new float[] {0.25f, 1e-6f, 3f}, 1, 3);
            assertThrows(IllegalArgumentException.class, () -> w.addRows(new int[] {5}, new int[] {0}, new int[] {1}, new float[] {1f}, 1, 1),
                    "rows out of order are refused");
            w.commit();
        }
        Map<String, Raw> lo = parse(cache.resolve("layers.0/0_4.safetensors"));
        Map<String, Raw> hi = parse(cache.resolve("layers.0/5_9.safetensors"));
        assertEquals("U32", lo.get("locations").dtype());
        // split 0_4: (0,0,2)=-2 then (65536,1,3)=3 ; split 5_9: (0,0,7-5)=1.5 ; 4 -> split 0_4 offset 4 ; 1e-6 dropped
        assertEquals(3, lo.get("activations").shape()[0]);
        int[] l = new int[9];
        lo.get("locations").data().asIntBuffer().get(l);
        assertEquals(List.of(0, 0, 2, 65_536, 1, 3, 65_536, 1, 4), java.util.Arrays.stream(l).boxed().toList());
        assertEquals(1, hi.get("activations").shape()[0]);
        assertEquals(1.5, LogitEffectsTest.half(hi.get("activations").data().getShort(0)));
        assertEquals(List.of(nSeq + 0L, 2L), java.util.Arrays.stream(hi.get("tokens").shape()).boxed().toList());

        Path other = dir.resolve("aborted");
        try (DelphiCacheWriter w = new DelphiCacheWriter(other, "layers.0", 10, 2, 1, 1, 0)) {
            w.addSequence(new int[] {1});
        }
        try (Stream<Path> s = Files.list(other.resolve("layers.0"))) {
            assertEquals(0, s.count(), "closing without commit leaves nothing behind");
        }
    }
}
