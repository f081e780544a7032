package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.bind.LlamaSaeLib;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine on ../shared/models/llama-2-tiny-random.gguf: hook invariants and bad input. */
class EngineOnSharedModelTest {
    static Model model;

    @BeforeAll
    static void load() {
        SharedData.requireNatives();
        model = Model.load(SharedData.tinyModel());
    }

    @AfterAll
    static void free() {
        if (model != null) model.close();
    }

    List<int[]> prompts() {
        return List.of(model.tokenize("Question: 12+7=?", true), model.tokenize("20*3=60 | 60+5=65", true),
                model.tokenize("How many apples are left?", true));
    }

    @Test
    void infoDescribesTheModel() {
        ModelInfo i = model.info();
        assertEquals("llama", i.architecture());
        assertEquals(1, i.nLayer());
        assertEquals(8, i.nEmbd());
        assertEquals(32000, i.nVocab());
        assertEquals(1, i.bosToken());
    }

    @Test
    void tokenizeAddsBosAndDetokenizes() {
        int[] t = model.tokenize("Hello world", true);
        assertEquals(1, t[0]);
        assertEquals("Hello world", model.detokenize(java.util.Arrays.copyOfRange(t, 1, t.length)).strip());
    }

    @Test
    void hookedLogitsAreBitIdenticalToUnhooked() {
        try (Engine hooked = Engine.open(model, EngineOptions.defaults().withCtx(256));
             Engine plain = Engine.open(model, EngineOptions.defaults().withCtx(256).withHook(false))) {
            hooked.setCapture(CaptureSpec.allPositions(List.of(0)));
            float[] a = copy(hooked.run(prompts()).lastLogits());
            float[] b = copy(plain.run(prompts()).lastLogits());
            assertArrayEquals(b, a, 0f, "logits with capture at every position must equal the plain run bit for bit");
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]));
        }
    }

    @Test
    void batchedCaptureEqualsOneByOne() {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256))) {
            e.setCapture(CaptureSpec.of(List.of(0), List.of(0, 3, -1)));
            RunResult all = e.run(prompts());
            assertEquals(9, all.nRows());
            float[] batched = copy(all.rows(0));
            int[] rowPrompts = new int[9];
            all.rowPrompts().get(rowPrompts);
            // one block per position (0, 3, -1), each holding the prompts in order
            assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0, 1, 2}, rowPrompts);
            assertEquals(3, all.nBlocks());
            int d = all.nEmbd();
            for (int p = 0; p < 3; p++) {
                RunResult one = e.run(List.of(prompts().get(p)));
                float[] single = copy(one.rows(0));
                for (int b = 0; b < 3; b++) {
                    for (int i = 0; i < d; i++) {
                        float want = single[b * d + i];
                        assertEquals(want, batched[(b * 3 + p) * d + i], 1e-5f * (1 + Math.abs(want)), "prompt " + p + " block " + b);
                    }
                }
            }
        }
    }

    @Test
    void resultsOfAnEarlierRunAreRefused() {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(128))) {
            e.setCapture(CaptureSpec.of(List.of(0), List.of(-1)));
            RunResult first = e.run(prompts());
            e.run(prompts());
            assertThrows(IllegalStateException.class, () -> first.rows(0));
        }
    }

    @Test
    void badInputGivesClearErrors(@TempDir Path dir) throws Exception {
        LlamaSaeException missing = assertThrows(LlamaSaeException.class, () -> Model.load(dir.resolve("nope.gguf")));
        assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_IO, missing.status());
        assertTrue(missing.getMessage().contains("nope.gguf"), missing.getMessage());

        Path text = Files.writeString(dir.resolve("notes.gguf"), "this is not a model");
        LlamaSaeException notGguf = assertThrows(LlamaSaeException.class, () -> Model.load(text));
        assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_FORMAT, notGguf.status());
        assertTrue(notGguf.getMessage().contains("GGUF"), notGguf.getMessage());

        byte[] bytes = Files.readAllBytes(SharedData.tinyModel());
        for (int cut : new int[] {10, 100, 5000, bytes.length / 2, bytes.length - 1}) {
            Path truncated = dir.resolve("truncated-" + cut + ".gguf");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, cut));
            LlamaSaeException t = assertThrows(LlamaSaeException.class, () -> Model.load(truncated));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_FORMAT, t.status(), t.getMessage());
        }

        try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(16))) {
            LlamaSaeException layer = assertThrows(LlamaSaeException.class, () -> e.setCapture(CaptureSpec.of(List.of(1), List.of(0))));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_OUT_OF_RANGE, layer.status());
            assertTrue(layer.getMessage().contains("layer 1"), layer.getMessage());

            e.setCapture(CaptureSpec.of(List.of(0), List.of(12)));
            LlamaSaeException pos = assertThrows(LlamaSaeException.class, () -> e.run(List.of(model.tokenize("12+7", true))));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_OUT_OF_RANGE, pos.status());
            assertTrue(pos.getMessage().contains("position 12"), pos.getMessage());

            e.setCapture(CaptureSpec.of(List.of(0), List.of(-1)));
            LlamaSaeException empty = assertThrows(LlamaSaeException.class, () -> e.run(List.of(new int[0])));
            assertTrue(empty.getMessage().contains("empty"), empty.getMessage());

            int[] longPrompt = model.tokenize("one two three four five six seven eight nine ten ".repeat(4), true);
            LlamaSaeException tooLong = assertThrows(LlamaSaeException.class, () -> e.run(List.of(longPrompt)));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_CONTEXT_OVERFLOW, tooLong.status());
            assertTrue(tooLong.getMessage().contains("16"), tooLong.getMessage());

            LlamaSaeException badToken = assertThrows(LlamaSaeException.class, () -> e.run(List.of(new int[] {1, 99999})));
            assertEquals(LlamaSaeLib.LLAMA_SAE_ERR_OUT_OF_RANGE, badToken.status());
        }
    }

    static float[] copy(java.nio.FloatBuffer b) {
        float[] out = new float[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
