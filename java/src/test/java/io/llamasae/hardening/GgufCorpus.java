package io.llamasae.hardening;

import io.llamasae.hardening.CorpusCase.Want;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import io.llamasae.model.gguf.GgufValue;
import io.llamasae.model.gguf.GgufValueType;
import io.llamasae.model.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * GGUF files with one header field changed, for every field of a generated llama model: the
 * header counts and magic, every key-value pair (removed, retyped, and given values at and past
 * the limits llama.cpp asserts on), keys llama.cpp reads that the base model lacks, and every
 * tensor info (name, dimension count, each dimension, type, offset). Each variant says what a
 * correct load does: {@link Want#REFUSE} for a broken or meaningless model, {@link Want#ACCEPT}
 * for a legitimate one (then {@link Variant#sameResult} says whether it must compute exactly what
 * the base model computes), {@link Want#EITHER} where both are defensible (a weight stored in
 * another valid type: llama.cpp cannot know the bytes are wrong).
 */
final class GgufCorpus {
    /** A mutated model file. */
    record Variant(String id, Path file, Want want, boolean sameResult, List<String> mention) {}

    static final TestModelConfig BASE = TestModelConfig.builder().nLayer(2).nEmbd(32).nHead(4).nHeadKv(2).nFf(64).nCtx(128).seed(7).build();

    private final Path dir;
    private final byte[] base;
    private final GgufLayout layout;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<GgufTensorInfo> tensorInfos = new ArrayList<>();
    private final Map<String, byte[]> tensorBytes = new LinkedHashMap<>();
    final List<Variant> variants = new ArrayList<>();
    final Path baseFile;

    GgufCorpus(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        baseFile = dir.resolve("base.gguf");
        TestModelGenerator.write(BASE, baseFile);
        base = Files.readAllBytes(baseFile);
        layout = new GgufLayout(base);
        try (GgufReader r = GgufReader.open(baseFile)) {
            metadata.putAll(r.metadata());
            for (GgufTensorInfo t : r.tensors()) {
                tensorInfos.add(t);
                ByteBuffer bb = r.mapData(t);
                byte[] bytes = new byte[bb.remaining()];
                bb.get(bytes);
                tensorBytes.put(t.name(), bytes);
            }
        }
        header();
        keyValues();
        missingKeys();
        tensorInfos();
    }

    private void add(String id, byte[] bytes, Want want, boolean same, String... mention) throws IOException {
        Path f = dir.resolve(id.replaceAll("[^A-Za-z0-9._=-]", "_") + ".gguf");
        Files.write(f, bytes);
        variants.add(new Variant("gguf/" + id, f, want, same, List.of(mention)));
    }

    /** A model written by the project's GGUF writer with the base tensors and edited metadata. */
    private byte[] rewrite(Consumer<Map<String, GgufValue>> edit) throws IOException {
        Map<String, GgufValue> md = new LinkedHashMap<>(metadata);
        edit.accept(md);
        GgufWriter w = new GgufWriter();
        md.forEach(w::put);
        for (GgufTensorInfo t : tensorInfos) w.addRawTensor(t.name(), t.type(), t.ne(), tensorBytes.get(t.name()));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        w.writeTo(out);
        return out.toByteArray();
    }

    // ---- the header ----------------------------------------------------------------------------

    private void header() throws IOException {
        add("header/magic", GgufLayout.patch(base, GgufLayout.MAGIC, 0x46554748, 4), Want.REFUSE, false, "magic");
        for (long v : new long[] {0, 1, 4, 0xFFFFFFFFL}) {
            add("header/version=" + v, GgufLayout.patch(base, GgufLayout.VERSION, v, 4), Want.REFUSE, false, "version");
        }
        long nT = layout.tensors.size(), nKv = layout.kvs.size();
        for (long v : new long[] {0, nT - 1, nT + 1, 1L << 40, -1}) {
            add("header/n_tensors=" + v, GgufLayout.patch(base, GgufLayout.N_TENSORS, v, 8), Want.REFUSE, false);
        }
        for (long v : new long[] {0, nKv - 1, nKv + 1, 1L << 40, -1}) {
            add("header/n_kv=" + v, GgufLayout.patch(base, GgufLayout.N_KV, v, 8), Want.REFUSE, false);
        }
        long[] cuts = {0, 3, 8, 20, 24, layout.kvs.get(3).valuePos(), layout.headerEnd - 3, layout.headerEnd, layout.headerEnd + 40,
                base.length / 2, base.length - 1};
        for (long c : cuts) add("header/truncated-at-" + c, java.util.Arrays.copyOf(base, (int) c), Want.REFUSE, false);
        for (long a : new long[] {0, 3, 48}) {
            add("kv/general.alignment=" + a, rewriteRaw("general.alignment", GgufValue.uint32(a)), Want.REFUSE, false, "alignment");
        }
        add("kv/general.alignment=" + (1L << 31), rewriteRaw("general.alignment", GgufValue.uint32(1L << 31)), Want.REFUSE, false);
        add("kv/general.alignment=64", rewrite(md -> md.put("general.alignment", GgufValue.uint32(64))), Want.ACCEPT, true);
        add("kv/general.alignment:string", rewriteRaw("general.alignment", GgufValue.string("32")), Want.REFUSE, false, "alignment");
    }

    /**
     * A model whose metadata gets {@code key = value} although the GGUF writer would refuse it (it
     * validates general.alignment): the base file plus the key appended to the header, the data
     * section moved along. Only used for values that make the file invalid anyway.
     */
    private byte[] rewriteRaw(String key, GgufValue value) throws IOException {
        GgufWriter w = new GgufWriter();
        metadata.forEach(w::put);
        w.putString("llama_sae.placeholder", "x".repeat(8));
        for (GgufTensorInfo t : tensorInfos) w.addRawTensor(t.name(), t.type(), t.ne(), tensorBytes.get(t.name()));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        w.writeTo(out);
        byte[] file = out.toByteArray();
        GgufLayout l = new GgufLayout(file);
        GgufLayout.Kv ph = l.kv("llama_sae.placeholder");
        // replace the placeholder pair by key/value encoded by hand, keep the same total length by
        // padding the key (the pair before the tensor infos shifts nothing else)
        java.io.ByteArrayOutputStream kv = new java.io.ByteArrayOutputStream();
        byte[] k = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        kv.writeBytes(le(k.length, 8));
        kv.writeBytes(k);
        kv.writeBytes(le(value.type().id, 4));
        if (value.type() == GgufValueType.STRING) {
            byte[] s = value.asString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            kv.writeBytes(le(s.length, 8));
            kv.writeBytes(s);
        } else {
            kv.writeBytes(le(value.asLong(), value.type().size));
        }
        byte[] pair = kv.toByteArray();
        int oldLen = (int) (ph.valueEnd() - ph.keyPos());
        byte[] result = new byte[file.length - oldLen + pair.length];
        System.arraycopy(file, 0, result, 0, (int) ph.keyPos());
        System.arraycopy(pair, 0, result, (int) ph.keyPos(), pair.length);
        System.arraycopy(file, (int) ph.valueEnd(), result, (int) ph.keyPos() + pair.length, file.length - (int) ph.valueEnd());
        return result;  // the data section moved by (pair - old) bytes: alignment mismatches are part of the refusal
    }

    private static byte[] le(long v, int width) {
        byte[] b = new byte[width];
        for (int i = 0; i < width; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    // ---- key-value pairs -----------------------------------------------------------------------

    private void keyValues() throws IOException {
        for (String key : metadata.keySet()) {
            GgufValue v = metadata.get(key);
            boolean informational = key.equals("general.name") || key.equals("general.file_type") || key.equals("llama.vocab_size");
            // removed
            Want removed = informational || key.equals("tokenizer.ggml.add_eos_token") ? Want.ACCEPT
                    : key.equals("tokenizer.ggml.scores") || key.equals("tokenizer.ggml.token_type") || key.startsWith("tokenizer.ggml.")
                            && key.endsWith("_id") || key.equals("tokenizer.ggml.add_bos_token") || key.equals("llama.rope.freq_base")
                            || key.equals("llama.attention.head_count_kv") || key.equals("llama.rope.dimension_count")
                    ? Want.EITHER : Want.REFUSE;
            add("kv/" + key + ":removed", rewrite(md -> md.remove(key)), removed, removed == Want.ACCEPT && informational);
            // retyped: llama.cpp reads each key with one exact type
            GgufValue other = v.type() == GgufValueType.STRING ? GgufValue.uint32(7)
                    : v.type() == GgufValueType.ARRAY ? GgufValue.string("not an array") : GgufValue.string("7");
            add("kv/" + key + ":as-" + other.type(), rewrite(md -> md.put(key, other)), Want.REFUSE, false, key);
            if (v.type() == GgufValueType.UINT32) {
                add("kv/" + key + ":as-INT32", rewrite(md -> md.put(key, GgufValue.int32((int) v.asLong()))), Want.REFUSE, false, key);
            }
        }
        // values of the hyperparameters
        uint("llama.block_count", 0, Want.REFUSE, "block_count");
        uint("llama.block_count", 1, Want.REFUSE);
        uint("llama.block_count", 3, Want.REFUSE);
        uint("llama.block_count", 513, Want.REFUSE, "block_count");
        uint("llama.block_count", 0xFFFFFFFFL, Want.REFUSE, "block_count");
        for (long e : new long[] {0, 16, 33, 64, 0xFFFFFFFFL}) uint("llama.embedding_length", e, Want.REFUSE);
        for (long h : new long[] {0, 1, 3, 8, 33, 0xFFFFFFFFL}) uint("llama.attention.head_count", h, Want.REFUSE);
        for (long h : new long[] {0, 1, 3, 4, 5, 0xFFFFFFFFL}) uint("llama.attention.head_count_kv", h, Want.REFUSE);
        for (long f : new long[] {0, 63, 65, 0xFFFFFFFFL}) uint("llama.feed_forward_length", f, Want.REFUSE);
        for (long r : new long[] {0, 4, 7, 16}) uint("llama.rope.dimension_count", r, Want.REFUSE);
        for (long c : new long[] {1, 64, 1 << 20}) uint("llama.context_length", c, Want.ACCEPT);
        uint("llama.context_length", 0, Want.EITHER);
        for (long n : new long[] {0, 1, 100000, 0xFFFFFFFFL}) uint("llama.vocab_size", n, Want.ACCEPT);
        for (long t : new long[] {999, 0xFFFFFFFFL}) uint("general.file_type", t, Want.ACCEPT);
        int nVocab = io.llamasae.model.TestVocabulary.size();
        for (String tok : new String[] {"bos", "eos", "unknown"}) {
            uint("tokenizer.ggml." + tok + "_token_id", nVocab, Want.REFUSE, tok + "_token_id");
            uint("tokenizer.ggml." + tok + "_token_id", 0xFFFFFFFFL, Want.REFUSE, tok + "_token_id");
            uint("tokenizer.ggml." + tok + "_token_id", 5, Want.EITHER);
        }
        for (float f : new float[] {0f, -1e-5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            f32("llama.attention.layer_norm_rms_epsilon", f, Want.REFUSE, "layer_norm_rms_epsilon");
            f32("llama.rope.freq_base", f, Want.REFUSE, "freq_base");
        }
        f32("llama.attention.layer_norm_rms_epsilon", 1e-3f, Want.ACCEPT);
        f32("llama.rope.freq_base", 500000f, Want.ACCEPT);
        // strings and the vocabulary
        for (String a : new String[] {"", "bogus", "gpt2", "LLAMA"}) str("general.architecture", a, Want.REFUSE);
        str("general.name", "", Want.ACCEPT);
        str("general.name", "x".repeat(5000), Want.ACCEPT);
        for (String m : new String[] {"", "bogus", "gpt2", "none", "no_vocab"}) str("tokenizer.ggml.model", m, Want.REFUSE);
        str("tokenizer.ggml.model", "bert", Want.EITHER);  // a WordPiece tokenizer over these pieces: odd, not invalid
        bool("tokenizer.ggml.add_bos_token", false, Want.ACCEPT);
        bool("tokenizer.ggml.add_eos_token", true, Want.EITHER);
        List<String> pieces = new ArrayList<>(io.llamasae.model.TestVocabulary.pieces());
        add("kv/tokenizer.ggml.tokens:empty", rewrite(md -> md.put("tokenizer.ggml.tokens", GgufValue.stringArray(List.of()))), Want.REFUSE, false);
        add("kv/tokenizer.ggml.tokens:one-less", rewrite(md -> md.put("tokenizer.ggml.tokens",
                GgufValue.stringArray(pieces.subList(0, pieces.size() - 1)))), Want.REFUSE, false);
        List<String> dup = new ArrayList<>(pieces);
        dup.set(dup.size() - 1, dup.get(dup.size() - 2));
        add("kv/tokenizer.ggml.tokens:duplicate", rewrite(md -> md.put("tokenizer.ggml.tokens", GgufValue.stringArray(dup))), Want.REFUSE,
                false, "tokenizer.ggml.tokens", "distinct");
        add("kv/tokenizer.ggml.scores:one-less", rewrite(md -> md.put("tokenizer.ggml.scores",
                GgufValue.float32Array(java.util.Arrays.copyOf(io.llamasae.model.TestVocabulary.scores(), nVocab - 1)))), Want.REFUSE, false);
        add("kv/tokenizer.ggml.token_type:one-less", rewrite(md -> md.put("tokenizer.ggml.token_type",
                GgufValue.int32Array(java.util.Arrays.copyOf(io.llamasae.model.TestVocabulary.tokenTypes(), nVocab - 1)))), Want.REFUSE, false);
        add("kv/tokenizer.ggml.tokens:int-array", rewrite(md -> md.put("tokenizer.ggml.tokens", GgufValue.int32Array(new int[nVocab]))),
                Want.REFUSE, false);
    }

    /** Keys llama.cpp reads that the base model does not have, at values it asserts on. */
    private void missingKeys() throws IOException {
        uint("llama.expert_count", 8, Want.REFUSE, "expert");
        uint("llama.expert_count", 2000, Want.REFUSE, "expert_count");
        uint("llama.expert_used_count", 2, Want.REFUSE, "expert_used_count");
        uint("llama.expert_group_count", 2, Want.REFUSE, "expert_group_count");
        uint("llama.nextn_predict_layers", 3, Want.REFUSE, "nextn_predict_layers");
        uint("llama.nextn_predict_layers", 0, Want.ACCEPT);
        uint("llama.attention.key_length", 16, Want.REFUSE, "key_length");
        uint("llama.attention.value_length", 4, Want.REFUSE, "value_length");
        uint("llama.attention.key_length", 8, Want.ACCEPT);
        str("llama.rope.scaling.type", "bogus", Want.REFUSE, "rope.scaling.type");
        str("llama.rope.scaling.type", "", Want.REFUSE, "rope.scaling.type");
        str("llama.rope.scaling.type", "linear", Want.ACCEPT);
        f32("llama.rope.scaling.factor", Float.NaN, Want.REFUSE, "rope.scaling.factor");
        f32("llama.rope.scaling.factor", -2f, Want.REFUSE, "rope.scaling.factor");
        f32("llama.rope.scaling.factor", 2f, Want.ACCEPT);
        add("kv/llama.attention.head_count:per-layer", rewrite(md -> md.put("llama.attention.head_count",
                GgufValue.int32Array(new int[] {4, 4}))), Want.ACCEPT, true);
        add("kv/llama.attention.head_count:per-layer-wrong-length", rewrite(md -> md.put("llama.attention.head_count",
                GgufValue.int32Array(new int[] {4, 4, 4}))), Want.REFUSE, false, "head_count");
        add("kv/llama.attention.head_count_kv:per-layer-zero", rewrite(md -> md.put("llama.attention.head_count_kv",
                GgufValue.int32Array(new int[] {2, 0}))), Want.REFUSE, false, "head_count_kv");
        add("kv/llama.feed_forward_length:per-layer", rewrite(md -> md.put("llama.feed_forward_length",
                GgufValue.int32Array(new int[] {64, 64}))), Want.ACCEPT, true);
        add("kv/unknown-key", rewrite(md -> md.put("llama_sae.unknown", GgufValue.string("hello"))), Want.ACCEPT, true);
    }

    private void uint(String key, long v, Want want, String... mention) throws IOException {
        boolean same = want == Want.ACCEPT && (key.equals("general.file_type") || key.equals("llama.vocab_size")
                || key.equals("llama.nextn_predict_layers") || key.equals("llama.attention.key_length"));
        add("kv/" + key + "=" + v, rewrite(md -> md.put(key, GgufValue.uint32(v))), want, same, mention);
    }

    private void f32(String key, float v, Want want, String... mention) throws IOException {
        add("kv/" + key + "=" + v, rewrite(md -> md.put(key, GgufValue.float32(v))), want, false, mention);
    }

    private void str(String key, String v, Want want, String... mention) throws IOException {
        add("kv/" + key + "='" + (v.length() > 12 ? v.substring(0, 12) + "..." : v) + "'", rewrite(md -> md.put(key, GgufValue.string(v))),
                want, want == Want.ACCEPT && key.equals("general.name"), mention);
    }

    private void bool(String key, boolean v, Want want) throws IOException {
        add("kv/" + key + "=" + v, rewrite(md -> md.put(key, GgufValue.bool(v))), want, false);
    }

    // ---- tensor infos --------------------------------------------------------------------------

    private void tensorInfos() throws IOException {
        String last = layout.tensors.get(layout.tensors.size() - 1).name();
        for (GgufLayout.TensorInfo t : layout.tensors) {
            String p = "tensor/" + t.name() + "/";
            // name: one byte changed (the tensor llama.cpp expects is missing, an unknown one appears)
            byte[] renamed = base.clone();
            renamed[(int) t.namePos() + 8] = (byte) (renamed[(int) t.namePos() + 8] == 'x' ? 'y' : 'x');
            add(p + "name", renamed, Want.REFUSE, false);
            for (long nd : new long[] {0, t.nDims() == 1 ? 2 : 1, 5, 0xFFFFFFFFL}) {
                add(p + "n_dims=" + nd, GgufLayout.patch(base, t.nDimsPos(), nd, 4), Want.REFUSE, false);
            }
            for (int d = 0; d < t.nDims(); d++) {
                long ne = t.ne()[d];
                long pos = t.dimsPos() + 8L * d;
                for (long v : new long[] {0, ne - 1, ne + 1, 2 * ne, -1, 1L << 40, Long.MAX_VALUE}) {
                    if (v == ne) continue;
                    // the last tensor's data may grow into nothing or shrink: still refused (shape check)
                    add(p + "ne" + d + "=" + v, GgufLayout.patch(base, pos, v, 8), Want.REFUSE, false);
                }
            }
            if (t.nDims() == 2 && t.ne()[0] != t.ne()[1]) {
                byte[] swapped = GgufLayout.patch(GgufLayout.patch(base, t.dimsPos(), t.ne()[1], 8), t.dimsPos() + 8, t.ne()[0], 8);
                add(p + "ne-swapped", swapped, Want.REFUSE, false);
            }
            // type: invalid ids, integer types, and a float type of another size
            for (long ty : new long[] {4, 5, 31, 99, 0xFFFFFFFFL}) add(p + "type=" + ty, GgufLayout.patch(base, t.typePos(), ty, 4), Want.REFUSE, false);
            for (GgmlType ty : new GgmlType[] {GgmlType.I8, GgmlType.I32, GgmlType.F64, GgmlType.F16, GgmlType.Q8_0}) {
                if (ty.id == t.type()) continue;
                boolean fits = t.ne()[0] % ty.blockSize == 0;
                // a valid float/quantized type on the last tensor keeps every offset valid: the
                // bytes are then read as that type, which nothing can tell from the header
                boolean legal = fits && t.name().equals(last) && (ty == GgmlType.F16 || ty == GgmlType.Q8_0);
                add(p + "type=" + ty, GgufLayout.patch(base, t.typePos(), ty.id, 4), legal ? Want.EITHER : Want.REFUSE, false);
            }
            for (long off : new long[] {t.offset() + 1, t.offset() + 32, t.offset() == 0 ? 32 : t.offset() - 32, 1L << 40, -1}) {
                add(p + "offset=" + off, GgufLayout.patch(base, t.offsetPos(), off, 8), Want.REFUSE, false);
            }
        }
        // every type id on the first weight matrix (the data no longer fits whatever the type)
        GgufLayout.TensorInfo q = layout.tensor("blk.0.attn_q.weight");
        for (GgmlType ty : GgmlType.values()) {
            if (ty.id == q.type()) continue;
            add("tensor/blk.0.attn_q.weight/all-types=" + ty, GgufLayout.patch(base, q.typePos(), ty.id, 4), Want.REFUSE, false);
        }
    }
}
