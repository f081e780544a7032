package io.llamasae.model;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestModelGeneratorTest {
    @TempDir
    Path dir;

    private Path generate(String name, TestModelConfig c) throws Exception {
        Path f = dir.resolve(name);
        TestModelGenerator.write(c, f);
        return f;
    }

    @Test
    void sameSeedGivesIdenticalBytesAndOtherSeedsOtherWeights() throws Exception {
        TestModelConfig c = TestModelConfig.builder().seed(11).build();
        Path a = generate("a.gguf", c);
        Path b = generate("b.gguf", c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Path other = generate("c.gguf", c.toBuilder().seed(12).build());
        try (GgufReader ra = GgufReader.open(a); GgufReader rc = GgufReader.open(other)) {
            // the vocabulary is independent of the seed, the weights are not
            assertArrayEquals(ra.require("tokenizer.ggml.tokens").asArray().asStrings(), rc.require("tokenizer.ggml.tokens").asArray().asStrings());
            assertArrayEquals(ra.require("tokenizer.ggml.scores").asArray().asFloats(), rc.require("tokenizer.ggml.scores").asArray().asFloats());
            for (GgufTensorInfo t : ra.tensors()) {
                assertFalse(Arrays.equals(ra.readFloats(t), rc.readFloats(rc.tensor(t.name()))), t.name() + " differs between seeds");
            }
        }
    }

    @Test
    void llamaMetadataAndShapesAsLlamaCppExpects() throws Exception {
        TestModelConfig c = TestModelConfig.builder().nLayer(2).weightType(GgmlType.F16).build();
        int v = TestVocabulary.size();
        try (GgufReader r = GgufReader.open(generate("m.gguf", c))) {
            assertEquals("llama", r.requireString("general.architecture"));
            assertEquals(2, r.requireLong("llama.block_count"));
            assertEquals(64, r.requireLong("llama.embedding_length"));
            assertEquals(128, r.requireLong("llama.feed_forward_length"));
            assertEquals(512, r.requireLong("llama.context_length"));
            assertEquals(16, r.requireLong("llama.rope.dimension_count"));
            assertEquals(4, r.requireLong("llama.attention.head_count"));
            assertEquals(2, r.requireLong("llama.attention.head_count_kv"));
            assertEquals(1e-5, r.requireDouble("llama.attention.layer_norm_rms_epsilon"), 1e-12);
            assertEquals(10000.0, r.requireDouble("llama.rope.freq_base"));
            assertEquals("llama", r.requireString("tokenizer.ggml.model"));
            assertEquals(1, r.requireLong("tokenizer.ggml.bos_token_id"));
            assertEquals(2, r.requireLong("tokenizer.ggml.eos_token_id"));
            assertEquals(0, r.requireLong("tokenizer.ggml.unknown_token_id"));
            assertTrue(r.require("tokenizer.ggml.add_bos_token").asBoolean());
            assertEquals(v, r.require("tokenizer.ggml.token_type").asArray().size());

            Set<String> expected = new HashSet<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
            for (int il = 0; il < 2; il++) {
                for (String s : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")) {
                    expected.add("blk." + il + "." + s + ".weight");
                }
            }
            Set<String> names = new HashSet<>();
            r.tensors().forEach(t -> names.add(t.name()));
            assertEquals(expected, names);
            assertArrayEquals(new long[] {64, v}, r.tensor("token_embd.weight").ne());
            assertArrayEquals(new long[] {64, v}, r.tensor("output.weight").ne());
            assertArrayEquals(new long[] {64, 64}, r.tensor("blk.1.attn_q.weight").ne());
            assertArrayEquals(new long[] {64, 32}, r.tensor("blk.1.attn_k.weight").ne());
            assertArrayEquals(new long[] {64, 32}, r.tensor("blk.1.attn_v.weight").ne());
            assertArrayEquals(new long[] {64, 64}, r.tensor("blk.1.attn_output.weight").ne());
            assertArrayEquals(new long[] {64, 128}, r.tensor("blk.1.ffn_gate.weight").ne());
            assertArrayEquals(new long[] {64, 128}, r.tensor("blk.1.ffn_up.weight").ne());
            assertArrayEquals(new long[] {128, 64}, r.tensor("blk.1.ffn_down.weight").ne());
            assertArrayEquals(new long[] {64}, r.tensor("blk.1.attn_norm.weight").ne());
            assertEquals(GgmlType.F16, r.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F32, r.tensor("blk.0.attn_norm.weight").type(), "norm vectors stay F32");

            // scales: q weights std ~ 1/sqrt(64), norms ~ 1 +- 0.1
            float[] q = r.readFloats(r.tensor("blk.0.attn_q.weight"));
            double var = 0;
            for (float x : q) {
                var += x * x;
            }
            assertEquals(1.0 / 8, Math.sqrt(var / q.length), 0.01);
            for (float x : r.readFloats(r.tensor("output_norm.weight"))) {
                assertTrue(x > 0.5 && x < 1.5, "norm weight " + x);
            }
        }
    }

    @Test
    void vocabularyLayoutIsSentencePieceLike() {
        List<String> p = TestVocabulary.pieces();
        assertEquals(List.of("<unk>", "<s>", "</s>"), p.subList(0, 3));
        assertEquals("<0x00>", p.get(TestVocabulary.FIRST_BYTE_ID));
        assertEquals("<0x0A>", p.get(TestVocabulary.FIRST_BYTE_ID + 10));
        assertEquals("<0xFF>", p.get(TestVocabulary.FIRST_BYTE_ID + 255));
        assertEquals(p.size(), new HashSet<>(p).size(), "pieces are unique");
        for (String s : List.of("▁", "+", "=", "7", "▁the", "▁How", "▁many", "▁1", "▁12", "▁100", "<<", ">>", "▁$", "05")) {
            assertTrue(p.contains(s), "vocabulary has " + s);
        }
        // SPM merges need every prefix of a ▁-piece
        for (String s : p) {
            if (s.startsWith("▁") && s.length() > 2) {
                assertTrue(p.contains(s.substring(0, s.length() - 1)), "prefix of " + s);
            }
        }
        int[] types = TestVocabulary.tokenTypes();
        assertEquals(TestVocabulary.TYPE_UNKNOWN, types[0]);
        assertEquals(TestVocabulary.TYPE_CONTROL, types[1]);
        assertEquals(TestVocabulary.TYPE_BYTE, types[TestVocabulary.FIRST_BYTE_ID + 65]);
        assertEquals(TestVocabulary.TYPE_NORMAL, types[p.indexOf("▁the")]);
        float[] scores = TestVocabulary.scores();
        assertTrue(scores[p.indexOf("▁the")] > scores[p.indexOf("▁gallons")], "frequent pieces score higher");
    }

    @Test
    void configRejectsInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().nHead(5).build());
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().nHeadKv(3).build());
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().nEmbd(12).nHead(4).build()); // head dim 3 is odd
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().weightType(GgmlType.Q4_0).build());
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().weightType(GgmlType.Q8_0).nFf(48).build());
        assertThrows(IllegalArgumentException.class, () -> TestModelConfig.builder().nLayer(0).build());
    }
}
