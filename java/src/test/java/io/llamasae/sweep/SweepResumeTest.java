package io.llamasae.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.sae.RandomSaes;
import io.llamasae.sae.SaeLensWriter;
import io.llamasae.scaleout.Device;
import io.llamasae.scaleout.EngineSpec;
import io.llamasae.scaleout.LoadedEngine;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local sweep interrupted after a checkpoint and started again with the same inputs continues after its last
 * checkpoint and ends with exactly the result and the codes file of an uninterrupted run; a checkpoint of other inputs
 * is refused.
 */
class SweepResumeTest {
    static final int BLOCKS = 2;
    static final int D = 64;

    @Test
    void anInterruptedSweepResumesToTheUninterruptedResult(@TempDir Path dir) throws Exception {
        SharedData.requireNatives();
        Path model = dir.resolve("model.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(BLOCKS).nEmbd(D).nHead(4).nHeadKv(2).nFf(128).nCtx(512).seed(9).build(),
                model);
        List<Sample> samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(5).build()).generate(40);
        Map<Integer, String> saes = new TreeMap<>();
        for (int b = 0; b < BLOCKS; b++) {
            Path p = dir.resolve("saes/layer" + b);
            SaeLensWriter.write(RandomSaes.gaussian(7 + b, D, 64, 8), p);
            saes.put(b, p.toString());
        }
        SweepSpec spec = new SweepSpec(new EngineSpec(model.toString(), saes, null, null, 0, 8), List.of(3, -1), 100, 0, 24,
                Map.of(0, 0, 1, 1), "llama.cpp", true, false);
        SweepRunner runner = new SweepRunner(spec);
        List<String> ids = samples.stream().map(Sample::id).toList();
        List<String> prompts = samples.stream().map(Sample::prompt).toList();
        try (LoadedEngine engine = spec.engine().open(Device.cpu(0))) {
            Path whole = Files.createDirectories(dir.resolve("whole"));
            Sweep.Local expected = Sweep.runLocal(runner, engine, ids, prompts, whole, "", false, 1, null);

            // Killed after the third batch's checkpoint (the progress callback runs after it).
            Path resumed = Files.createDirectories(dir.resolve("resumed"));
            assertThrows(IllegalStateException.class, () -> Sweep.runLocal(runner, engine, ids, prompts, resumed, "", true, 1, done -> {
                if (done >= 24) throw new IllegalStateException("killed");
            }));
            assertTrue(Files.isRegularFile(resumed.resolve(Sweep.PARTIAL).resolve(SweepCheckpoint.FILE)));
            assertFalse(Files.exists(resumed.resolve("codes.safetensors")), "no output before the run finished");
            List<Integer> progress = new ArrayList<>();
            Sweep.Local again = Sweep.runLocal(runner, engine, ids, prompts, resumed, "", true, 1, progress::add);
            assertEquals(List.of(32, 40), progress, "the resumed run starts after the checkpoint of sample 24");
            assertArrayEquals(serialized(expected.result()), serialized(again.result()), "statistics, metrics and spliced sums");
            assertArrayEquals(Files.readAllBytes(whole.resolve("codes.safetensors")), Files.readAllBytes(resumed.resolve("codes.safetensors")));
            again.finish();
            assertFalse(Files.exists(resumed.resolve(Sweep.PARTIAL)), "the checkpoint is removed once the outputs are written");

            // A checkpoint of other inputs is refused, naming the folder.
            Path other = Files.createDirectories(dir.resolve("other"));
            assertThrows(IllegalStateException.class, () -> Sweep.runLocal(runner, engine, ids, prompts, other, "", true, 1, done -> {
                if (done >= 8) throw new IllegalStateException("killed");
            }));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Sweep.runLocal(runner, engine,
                    ids.subList(0, 32), prompts.subList(0, 32), other, "", true, 1, null));
            assertTrue(refused.getMessage().contains("checkpoint of other inputs"), refused.getMessage());
        }
    }

    private static byte[] serialized(Object o) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }
}
