package io.llamasae.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasae.cli.Main;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.model.gguf.GgufTensorInfo;
import io.llamasae.model.gguf.GgufWriter;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeLensWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** A generated 2-block model, a random Top-K SAE, a synthetic GSM8K-style dataset, and the CLI run over them. */
final class DashboardFixtures {
    static final int D = 64;
    static final int F = 96;
    static final int K = 8;
    static final int BLOCKS = 2;

    private DashboardFixtures() {}

    /** A model with untied output.weight of {@code type}, or tied (no output.weight: llama.cpp uses token_embd). */
    static Path model(Path dir, GgmlType type, boolean tied) throws IOException {
        Path untied = dir.resolve("m-" + type + ".gguf");
        if (!Files.exists(untied)) {
            TestModelGenerator.write(TestModelConfig.builder().nLayer(BLOCKS).nEmbd(D).nHead(4).nHeadKv(2).nFf(128).seed(5)
                    .weightType(type).build(), untied);
        }
        if (!tied) return untied;
        Path out = dir.resolve("m-" + type + "-tied.gguf");
        if (Files.exists(out)) return out;
        // the same file without output.weight: every other tensor's bytes and every key copied as they are
        GgufWriter w = new GgufWriter();
        try (GgufReader r = GgufReader.open(untied)) {
            r.metadata().forEach(w::put);
            for (GgufTensorInfo t : r.tensors()) {
                if (t.name().equals("output.weight")) continue;
                ByteBuffer b = r.mapData(t);
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                w.addRawTensor(t.name(), t.type(), t.ne(), bytes);
            }
        }
        w.write(out);
        return out;
    }

    static Sae sae(long seed) {
        Random rnd = new Random(seed);
        float[] wEnc = new float[F * D];
        float[] wDec = new float[F * D];
        float[] bEnc = new float[F];
        float[] bDec = new float[D];
        for (int i = 0; i < wEnc.length; i++) {
            wEnc[i] = (float) rnd.nextGaussian();
            wDec[i] = (float) (0.3 * rnd.nextGaussian());
        }
        for (int i = 0; i < F; i++) bEnc[i] = (float) (0.5 * rnd.nextGaussian());
        return new Sae(D, F, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_RELU, K);
    }

    static Path saeDir(Path dir) throws IOException {
        Path out = dir.resolve("sae");
        if (!Files.exists(out)) SaeLensWriter.write(sae(23), out);
        return out;
    }

    static Path dataset(Path dir, int n) throws IOException {
        Path out = dir.resolve("gsm-" + n + ".jsonl");
        if (!Files.exists(out)) {
            List<Sample> s = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(3).build()).generate(n);
            SyntheticArithmeticGenerator.writeGsm8kJsonl(s, out);
        }
        return out;
    }

    static List<Sample> samples(Path dataset) throws IOException {
        return DatasetReader.read(dataset).samples();
    }

    /** Runs the CLI; fails the test with stderr when the exit code is not 0. */
    static String cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(0, code, "llama-sae " + String.join(" ", args) + " failed: " + err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** {@code analyze} at block 1, last position, over {@code n} samples, into {@code dir/report}; returns the report folder. */
    static Path analyze(Path dir, int n, String mode) throws IOException {
        Path out = dir.resolve("report-" + mode);
        cli("analyze", "--model", model(dir, GgmlType.F16, false).toString(), "--sae", saeDir(dir).toString(), "--dataset",
                dataset(dir, n).toString(), "--layer", "1", "--position", "-1", "--ranks", "1-30,60-96", "--mode", mode, "--no-plots",
                "--batch", "32", "--out", out.toString());
        return out;
    }
}
