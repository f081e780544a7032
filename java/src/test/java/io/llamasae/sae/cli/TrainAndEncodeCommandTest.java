package io.llamasae.sae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.cli.EncodeCommand;
import io.llamasae.cli.TrainCommand;
import io.llamasae.sae.JavaEncoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLoader;
import io.llamasae.sae.SparseCodes;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainAndEncodeCommandTest {
    @TempDir
    Path dir;
    Path acts;
    float[] x3;
    static final int D = 64;
    static final int N = 3000;

    /** Two activation tensors of demo size (d = 64, N = 3000) from sparse combinations of 128 atoms. */
    @BeforeEach
    void writeActivations() throws Exception {
        Random rng = new Random(1);
        float[] atoms = new float[128 * D];
        for (int i = 0; i < atoms.length; i++) {
            atoms[i] = (float) (rng.nextGaussian() / Math.sqrt(D));
        }
        acts = dir.resolve("acts.safetensors");
        try (StreamingSafetensorsWriter w = new StreamingSafetensorsWriter(acts)) {
            for (String name : new String[] {"layer3.pos-1", "layer5.pos3"}) {
                w.declare(name, DType.F32, D);
                float[] x = new float[N * D];
                for (int r = 0; r < N; r++) {
                    for (int j = 0; j < 4; j++) {
                        int a = rng.nextInt(128);
                        double c = 0.5 + 2 * rng.nextDouble();
                        for (int i = 0; i < D; i++) {
                            x[r * D + i] += (float) (c * atoms[a * D + i] + 0.01 * rng.nextGaussian());
                        }
                    }
                }
                if (name.startsWith("layer3")) {
                    x3 = x;
                }
                w.appendRows(name, x, 0, x.length);
            }
            w.declare("sample_ids", DType.I32);
            w.appendRows("sample_ids", new int[N], 0, N);
            w.putMetadata("layer_convention", "llama.cpp");
            w.commit();
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainsDemoSizedSaeThenEncodes() throws Exception {
        Path sae = dir.resolve("sae");
        long t0 = System.nanoTime();
        Run t = run(new TrainCommand(), "--activations", acts.toString(), "--layer", "3", "--position", "-1",
                "--k", "16", "--latents", "512", "--epochs", "10", "--batch", "64", "--out", sae.toString());
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, t.code(), t.err());
        System.out.printf("train d=64 F=512 k=16 N=3000 x10 epochs: %.2fs; %s", secs,
                t.out().lines().reduce((a, b) -> b).orElse(""));
        System.out.println();
        assertTrue(Files.exists(sae.resolve("cfg.json")) && Files.exists(sae.resolve("metrics.json")));
        Sae loaded = SaeLoader.load(sae, Optional.empty());
        assertEquals(16, loaded.defaultK());

        Path codes = dir.resolve("codes.safetensors");
        // The Java encoder explicitly: a CLI run earlier in this JVM makes the native kernel the default, which rounds
        // some values differently in their last bit.
        Run e = run(new EncodeCommand(), "--sae", sae.toString(), "--activations", acts.toString(),
                "--out", codes.toString(), "--chunk", "700", "--encoder", "java");
        assertEquals(0, e.code(), e.err());
        SparseCodes expected = new JavaEncoder().encode(loaded, x3, N, 16);
        try (SafetensorsReader r = SafetensorsReader.open(codes)) {
            assertEquals(4, r.tensors().size(), r.tensors().keySet().toString());
            assertArrayEquals(new long[] {N, 16}, r.info("layer3.pos-1.indices").shape());
            assertEquals(DType.I32, r.info("layer3.pos-1.indices").dtype());
            assertEquals(DType.F32, r.info("layer5.pos3.values").dtype());
            assertArrayEquals(expected.indices(), r.readInts("layer3.pos-1.indices"));
            assertArrayEquals(expected.values(), r.readFloats("layer3.pos-1.values"));
            assertEquals("llama.cpp", r.metadata().get("layer_convention"));
            assertEquals("16", r.metadata().get("k"));
        }
        // One tensor, other k, reference encoder.
        Path one = dir.resolve("one.safetensors");
        Run e2 = run(new EncodeCommand(), "--sae", sae.toString(), "--activations", acts.toString(), "--tensor",
                "layer3.pos-1", "--k", "5", "--encoder", "reference", "--out", one.toString());
        assertEquals(0, e2.code(), e2.err());
        try (SafetensorsReader r = SafetensorsReader.open(one)) {
            assertEquals(2, r.tensors().size());
            assertArrayEquals(new long[] {N, 5}, r.info("layer3.pos-1.values").shape());
        }
    }

    @Test
    void trainsAGridIntoSubfolders() throws Exception {
        Path out = dir.resolve("grid");
        Run t = run(new TrainCommand(), "--activations", acts.toString(), "--layer", "5", "--position", "3",
                "--k", "4,8", "--latents", "64,128", "--epochs", "2", "--out", out.toString());
        assertEquals(0, t.code(), t.err());
        for (String sub : new String[] {"k4-f64", "k8-f64", "k4-f128", "k8-f128"}) {
            assertTrue(Files.exists(out.resolve(sub).resolve("sae_weights.safetensors")), sub);
            assertTrue(Files.exists(out.resolve(sub).resolve("metrics.json")), sub);
        }
        assertTrue(Files.readString(out.resolve("grid.json")).contains("k8-f128"));
    }

    @Test
    void badInputExitsWithCode2AndAOneLineMessage() throws Exception {
        Run missing = run(new TrainCommand(), "--activations", acts.toString(), "--layer", "9", "--position", "0",
                "--k", "4", "--latents", "64", "--out", dir.resolve("x").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("layer9.pos0") && missing.err().contains(acts.toString()), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Run kTooBig = run(new TrainCommand(), "--activations", acts.toString(), "--layer", "3", "--position", "-1",
                "--k", "100", "--latents", "64", "--out", dir.resolve("y").toString());
        assertEquals(2, kTooBig.code());
        assertTrue(kTooBig.err().contains("k: expected 1 <= k <= latents = 64 but found 100"), kTooBig.err());

        Path truncated = dir.resolve("trunc.safetensors");
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(acts), 100));
        Run bad = run(new TrainCommand(), "--activations", truncated.toString(), "--layer", "3", "--position", "-1",
                "--k", "4", "--latents", "64", "--out", dir.resolve("z").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("trunc.safetensors"), bad.err());

        // An SAE of the wrong width for the activations.
        Path sae = dir.resolve("narrow");
        io.llamasae.sae.SaeLensWriter.write(new Sae(32, 64, new float[64 * 32], new float[64], new float[64 * 32],
                new float[32], null, io.llamasae.sae.Activation.TOPK_RELU, 4), sae);
        Path codes = dir.resolve("codes.safetensors");
        Run wide = run(new EncodeCommand(), "--sae", sae.toString(), "--activations", acts.toString(), "--out",
                codes.toString());
        assertEquals(2, wide.code());
        assertTrue(wide.err().contains("width: expected d_in = 32") && wide.err().contains("found 64"), wide.err());
        assertFalse(Files.exists(codes), "no partial output");
        Run kBig = run(new EncodeCommand(), "--sae", sae.toString(), "--activations", acts.toString(), "--k", "65",
                "--out", codes.toString());
        assertEquals(2, kBig.code());
        assertTrue(kBig.err().contains("k: expected 1 <= k <= F = 64 but found 65"), kBig.err());
    }
}
