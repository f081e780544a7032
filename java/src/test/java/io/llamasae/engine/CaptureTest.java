package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming capture of a dataset larger than one batch equals one in-memory run of all prompts. */
class CaptureTest {
    @Test
    void streamingInSmallBatchesEqualsOneInMemoryRun(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        List<String> prompts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            prompts.add("Question: " + (3 * i + 1) + "*" + (i + 2) + "=? How many apples" + " are there".repeat(i % 3));
            ids.add("s" + i);
        }
        try (Model model = Model.load(SharedData.tinyModel());
             Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256).withSeqMax(3))) {
            for (CaptureSpec spec : List.of(CaptureSpec.of(List.of(0), List.of(2, -1)), CaptureSpec.allPositions(List.of(0)))) {
                Path out = dir.resolve("acts-" + spec.allPositions() + ".safetensors");
                Capture.toSafetensors(e, ids, prompts, spec, LayerConvention.LLAMA_CPP, out, 3, null);
                e.setCapture(spec);
                RunResult all = e.run(prompts.stream().map(p -> model.tokenize(p, true)).toList());
                float[] rows = EngineOnSharedModelTest.copy(all.rows(0));
                try (SafetensorsReader r = SafetensorsReader.open(out)) {
                    assertEquals("[\"s0\",\"s1\",\"s2\",\"s3\",\"s4\",\"s5\",\"s6\",\"s7\",\"s8\",\"s9\",\"s10\"]", r.metadata().get("sample_ids"));
                    if (spec.allPositions()) {
                        assertArrayEquals(rows, r.readFloats("layer0.posall"), 1e-5f);
                        int[] prompt = new int[(int) all.nRows()];
                        all.rowPrompts().get(prompt);
                        assertArrayEquals(prompt, r.readInts("posall.sample_index"));
                    } else {
                        // In memory and on disk alike: one block per position, prompt by prompt.
                        float[] pos2 = r.readFloats("layer0.pos2");
                        float[] last = r.readFloats("layer0.pos-1");
                        int n = prompts.size();
                        for (int p = 0; p < n; p++) {
                            for (int j = 0; j < 8; j++) {
                                assertEquals(rows[p * 8 + j], pos2[p * 8 + j], 1e-5f);
                                assertEquals(rows[(n + p) * 8 + j], last[p * 8 + j], 1e-5f);
                            }
                        }
                    }
                }
            }
            // A failing capture (a prompt too long for the context) leaves no file behind.
            Path failed = dir.resolve("failed.safetensors");
            List<String> bad = new ArrayList<>(prompts);
            bad.add("word ".repeat(400));
            List<String> badIds = new ArrayList<>(ids);
            badIds.add("long");
            assertThrows(IllegalArgumentException.class, () -> Capture.toSafetensors(e, badIds, bad,
                    CaptureSpec.of(List.of(0), List.of(-1)), LayerConvention.LLAMA_CPP, failed, 3, null));
            assertFalse(Files.exists(failed));
        }
    }

    @Test
    void anInterruptedResumableCaptureContinuesToTheSameFile(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        List<String> prompts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            prompts.add("Question: " + (7 * i + 3) + "+" + i + "=? apples" + " and pears".repeat(i % 4));
            ids.add("q" + i);
        }
        CaptureSpec spec = CaptureSpec.allPositions(List.of(0));  // rows per sample vary: the hard case
        try (Model model = Model.load(SharedData.tinyModel()); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(256))) {
            Path whole = dir.resolve("whole.safetensors");
            Capture.toSafetensors(e, ids, prompts, spec, LayerConvention.LLAMA_CPP, whole, 3, null);

            Path out = dir.resolve("resumed.safetensors");
            RuntimeException crash = assertThrows(RuntimeException.class, () -> Capture.toSafetensors(e, ids, prompts, spec,
                    LayerConvention.LLAMA_CPP, out, 3, done -> {
                        if (done >= 6) throw new RuntimeException("simulated interruption after " + done + " samples");
                    }, null, null, true));
            assertTrue(crash.getMessage().contains("simulated"));
            assertFalse(Files.exists(out), "no output before the run completes");
            assertTrue(Files.exists(StreamingSafetensorsWriter.partialDir(out).resolve("checkpoint.json")));

            // Other inputs are refused; the same inputs continue from sample 6.
            List<String> changed = new ArrayList<>(prompts);
            changed.set(0, "something else");
            assertThrows(IllegalArgumentException.class, () -> Capture.toSafetensors(e, ids, changed, spec,
                    LayerConvention.LLAMA_CPP, out, 3, null, null, null, true));
            List<Integer> seen = new ArrayList<>();
            Capture.toSafetensors(e, ids, prompts, spec, LayerConvention.LLAMA_CPP, out, 3, seen::add, null, null, true);
            assertEquals(List.of(9, 10), seen, "only the remaining batches ran");
            assertFalse(Files.exists(StreamingSafetensorsWriter.partialDir(out)), "the partial folder is gone after commit");
            try (SafetensorsReader a = SafetensorsReader.open(whole); SafetensorsReader b = SafetensorsReader.open(out)) {
                assertArrayEquals(a.readFloats("layer0.posall"), b.readFloats("layer0.posall"), 1e-6f);
                assertArrayEquals(a.readInts("posall.sample_index"), b.readInts("posall.sample_index"));
                assertArrayEquals(a.readInts("posall.position"), b.readInts("posall.position"));
            }
        }
    }
}
