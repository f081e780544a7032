package io.llamasae.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeEncoder;
import io.llamasae.engine.NativeLibrary;
import io.llamasae.hardening.CorpusCase.Outcome;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgufValue;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Encoders;
import io.llamasae.sae.Sae;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * One regression test per bug of issue 14. The command-line ones run together in one child JVM
 * (a regression to an abort must fail this test, not kill the test run); each is then reported
 * as its own test.
 */
class Issue14RegressionTest {
    @TempDir
    static Path tmp;

    /** name -> (case, extra assertion on the outcome) */
    private record Bug(CorpusCase c, CorpusCase.Check extra) {}

    @TestFactory
    Stream<DynamicTest> commandLineBugs() throws Exception {
        SharedData.requireNatives();
        Fixtures fx = new Fixtures(tmp.resolve("fx"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Map<String, Bug> bugs = new LinkedHashMap<>();
        // -- aborts inside llama.cpp ------------------------------------------------------------
        Path zeroBlocks = model(fx, "block_count=0", "llama.block_count", GgufValue.uint32(0));
        bugs.put("block_count 0 is refused by info (was an abort)", refuse(List.of("info", "--model", zeroBlocks.toString()),
                "llama.block_count", "1..512"));
        Path manyBlocks = model(fx, "block_count=600", "llama.block_count", GgufValue.uint32(600));
        bugs.put("block_count above llama.cpp's maximum is refused by capture (was an abort)", refuse(capture(fx, manyBlocks, out.resolve("a")),
                "llama.block_count"));
        bugs.put("head_count not dividing the width is refused", refuse(List.of("info", "--model",
                model(fx, "heads=3", "llama.attention.head_count", GgufValue.uint32(3)).toString()), "head_count", "divisor"));
        bugs.put("head_count_kv not dividing head_count is refused", refuse(List.of("info", "--model",
                model(fx, "kv=3", "llama.attention.head_count_kv", GgufValue.uint32(3)).toString()), "head_count_kv", "divisor"));
        bugs.put("a named pipe as the dataset is refused at once (was a hang)", refuse(capture(fx, fx.model, out.resolve("b"),
                "--dataset", fx.fifo("pipe").toString()), "named pipe"));
        // -- data lost ---------------------------------------------------------------------------
        bugs.put("capture --out equal to --dataset is refused, the dataset kept", refuseKeeping(capture(fx, fx.model, fx.prompts), fx.prompts, "--out"));
        bugs.put("capture --out equal to --model is refused, the model kept", refuseKeeping(capture(fx, fx.model, fx.model), fx.model, "--out"));
        bugs.put("encode --out equal to --activations is refused", refuseKeeping(List.of("encode", "--sae", fx.sae.toString(), "--activations",
                fx.acts.toString(), "--out", fx.acts.toString()), fx.acts, "--out"));
        bugs.put("stats --out equal to --codes is refused", refuseKeeping(List.of("stats", "--codes", fx.codes.toString(), "--out",
                fx.codes.toString()), fx.codes, "--out"));
        Path same = out.resolve("same.safetensors");
        bugs.put("capture --out equal to --codes-out is refused", refuse(capture(fx, fx.model, same, "--sae", fx.sae.toString(), "--codes-out",
                same.toString()), "--codes-out"));
        // -- silently wrong ----------------------------------------------------------------------
        Path noCfg = Files.createDirectories(tmp.resolve("nocfg"));
        Files.copy(fx.sae.resolve("sae_weights.safetensors"), noCfg.resolve("sae_weights.safetensors"));
        bugs.put("an SAELens folder without cfg.json is refused (was ReLU with k = F)", refuse(encode(fx, noCfg, out.resolve("c")), "cfg.json"));
        bugs.put("a fractional k is refused (was truncated)", refuse(encode(fx, saeWithCfg(fx, "kfrac", "\"k\": 4.5"), out.resolve("d")),
                "k", "whole number"));
        Path both = saeWithCfg(fx, "both", null);
        Files.copy(both.resolve("sae_weights.safetensors"), both.resolve("sae.safetensors"));
        bugs.put("a folder with the files of two SAE formats is refused", refuse(encode(fx, both, out.resolve("e")), "sae.safetensors"));
        byte[] acts = Files.readAllBytes(fx.acts);
        long hl = java.nio.ByteBuffer.wrap(acts).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        java.nio.ByteBuffer.wrap(acts).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(8 + (int) hl + 4 * 100, Float.POSITIVE_INFINITY);
        Path inf = fx.write("inf.safetensors", acts);
        bugs.put("encode refuses infinite activations (was infinite codes)", refuse(List.of("encode", "--sae", fx.sae.toString(), "--activations",
                inf.toString(), "--out", out.resolve("f").toString()), "finite", "row 3"));
        bugs.put("train --lr NaN is refused (was the default rate)", refuse(List.of("train", "--activations", fx.acts.toString(), "--layer", "0",
                "--position", "-1", "--k", "4", "--latents", "16", "--lr", "NaN", "--out", out.resolve("g").toString()), "--lr", "NaN"));
        Path bom = fx.write("bom.jsonl", "\uFEFF" + Files.readString(fx.gsm));
        Path bomOut = out.resolve("bom.safetensors");
        bugs.put("a GSM8K jsonl with a UTF-8 BOM is read as GSM8K", accept(capture(fx, fx.model, bomOut, "--dataset", bom.toString()),
                o -> o.err().contains("samples (gsm8k)") ? null : "not detected as GSM8K: " + o.err()));
        bugs.put("an empty --prompt is refused", refuse(List.of("intervene", "--model", fx.model.toString(), "--sae", fx.sae.toString(), "--layer",
                "0", "--ablate", "1", "--prompt", ""), "--prompt", "non-empty"));
        Path negCodes = negativeIndexCodes(fx);
        bugs.put("a negative latent index in a codes file is refused (was dropped)", refuse(List.of("stats", "--codes", negCodes.toString()),
                "indices", "-3"));
        Path ctxOut = out.resolve("ctx.safetensors");
        bugs.put("--ctx beyond the training context warns", accept(capture(fx, fx.model, ctxOut, "--ctx", "1000"),
                o -> o.err().contains("warning: --ctx 1000 exceeds the 128 tokens") ? null : "no warning: " + o.err()));
        bugs.put("an SAE trained at another layer is refused", refuse(capture(fx, fx.model, out.resolve("h"), "--layers", "1", "--sae",
                fx.sae.toString(), "--codes-out", out.resolve("h-codes").toString()), "block 0", "--allow-layer-mismatch"));
        Path allowed = out.resolve("allowed.safetensors");
        bugs.put("--allow-layer-mismatch attaches it anyway", accept(capture(fx, fx.model, allowed, "--layers", "1", "--sae", fx.sae.toString(),
                "--codes-out", out.resolve("allowed-codes").toString(), "--allow-layer-mismatch"), o -> Fixtures.finite(allowed)));
        // -- unclear refusals --------------------------------------------------------------------
        Path missingTensor = model(fx, "block_count=3", "llama.block_count", GgufValue.uint32(3));
        bugs.put("a load llama.cpp refuses reports llama.cpp's own reason", refuse(List.of("info", "--model", missingTensor.toString()),
                "blk.2.attn_norm.weight", "not found"));
        Path latin1 = fx.write("latin1.txt", "ok\n\u00e9t\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        bugs.put("invalid UTF-8 names file:line and says 'invalid UTF-8'", refuse(capture(fx, fx.model, out.resolve("i"), "--dataset",
                latin1.toString()), "latin1.txt:2", "invalid UTF-8"));
        bugs.put("--limit -1 names the option (was 'fromIndex(0) > toIndex(-1)')", refuse(capture(fx, fx.model, out.resolve("j"), "--limit", "-1"),
                "--limit", ">= 1"));
        bugs.put("an overflowing --batch names the option", refuse(capture(fx, fx.model, out.resolve("k"), "--batch", "2147483648"), "--batch"));
        Path bad1 = fx.write("bad1.jsonl", "{oops\n" + Files.readString(fx.gsm));
        Path skipOut = out.resolve("skip.safetensors");
        bugs.put("--skip-bad applies to the first line", accept(capture(fx, fx.model, skipOut, "--dataset", bad1.toString(), "--skip-bad"),
                o -> Fixtures.finite(skipOut)));
        bugs.put("stats --latents 0 names the option, not an internal name", refuse(List.of("stats", "--codes", fx.codes.toString(), "--latents", "0"),
                "--latents"));
        // -- documented behaviour ----------------------------------------------------------------
        Path lower = out.resolve("lower.safetensors");
        bugs.put("--format gsm8k as the README writes it is accepted", accept(capture(fx, fx.model, lower, "--dataset", fx.gsm.toString(),
                "--format", "gsm8k"), o -> Fixtures.finite(lower)));
        Path encOut = out.resolve("enc.safetensors");
        bugs.put("encode works on more than 4,096 rows", accept(List.of("encode", "--sae", fx.sae.toString(), "--activations", fx.acts.toString(),
                "--out", encOut.toString()), o -> o.out().contains("5000 rows") && Files.isRegularFile(encOut) ? null : "no codes: " + o.out()));
        // Generating batches are planned to fit the context (Pass.batches), so the default --batch works with --ctx 128;
        // a prompt that cannot fit even alone names the option to raise.
        Path g2 = out.resolve("g2.safetensors");
        bugs.put("--positions g2 with the default --batch fits the context", accept(capture(fx, fx.model, g2, "--dataset",
                fx.gsm.toString(), "--positions", "g2", "--ctx", "128"), o -> Fixtures.finite(g2)));
        bugs.put("--positions g2 that cannot fit says which option to change", refuse(capture(fx, fx.model, out.resolve("l"), "--dataset",
                fx.gsm.toString(), "--positions", "g2", "--ctx", "16"), "--ctx"));
        bugs.put("capture --help lists gK", accept(List.of("capture", "--help"), o -> o.out().contains("gK") ? null : "no gK in help"));
        Path spaced = fx.write("spaced.txt", "   Hello there\n");
        Path unspaced = fx.write("unspaced.txt", "Hello there\n");
        Path spacedOut = out.resolve("spaced.safetensors");
        Path unspacedOut = out.resolve("unspaced.safetensors");
        bugs.put("(reference for leading spaces)", accept(capture(fx, fx.model, unspacedOut, "--dataset", unspaced.toString(), "--positions", "all"),
                null));
        bugs.put("the text reader keeps leading spaces", accept(capture(fx, fx.model, spacedOut, "--dataset", spaced.toString(), "--positions", "all"),
                o -> rowsOf(spacedOut) > rowsOf(unspacedOut) ? null : "leading spaces were dropped"));
        Path special = fx.write("special.txt", "<s>12+7=\n");
        Path plainOut = out.resolve("plain.safetensors");
        Path specialOut = out.resolve("special.safetensors");
        bugs.put("(reference for special tokens)", accept(capture(fx, fx.model, plainOut, "--dataset", special.toString(), "--positions", "all"), null));
        bugs.put("--parse-special turns special-token text into the token", accept(capture(fx, fx.model, specialOut, "--dataset",
                special.toString(), "--positions", "all", "--parse-special"), o -> rowsOf(specialOut) < rowsOf(plainOut) ? null
                : "<s> was tokenized as plain text (" + rowsOf(specialOut) + " vs " + rowsOf(plainOut) + " tokens)"));

        List<CorpusCase> cases = new ArrayList<>();
        int i = 0;
        for (var e : bugs.entrySet()) cases.add(renamed(e.getValue().c(), "issue14/" + (i++) + " " + e.getKey()));
        Map<Path, String> before = Verdicts.hashes(List.of(fx.prompts, fx.model, fx.acts, fx.codes, fx.sae));
        Map<String, Outcome> outcomes = ChildRunner.run(cases, Files.createDirectories(tmp.resolve("run")), 120);
        Map<Path, String> after = Verdicts.hashes(before.keySet());
        List<DynamicTest> tests = new ArrayList<>();
        int j = 0;
        for (var e : bugs.entrySet()) {
            CorpusCase c = cases.get(j++);
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                Verdicts v = new Verdicts();
                Verdicts.Verdict verdict = v.judge(c, outcomes.get(c.id()));
                Verdicts.Judged judged = v.judged.get(0);
                assertTrue(verdict == Verdicts.Verdict.HANDLED || verdict == Verdicts.Verdict.REFUSED, verdict + ": " + judged.why()
                        + (judged.o() == null ? "" : " | stderr: " + judged.o().err()));
                assertEquals(before, after, "an input of the regression cases changed");
            }));
        }
        return tests.stream();
    }

    private static CorpusCase renamed(CorpusCase c, String id) {
        return new CorpusCase(id, "issue14", c.args(), c.want(), c.mention(), c.check(), c.protect());
    }

    private static Bug refuse(List<String> args, String... mention) {
        return new Bug(CorpusCase.refuse("x", "issue14", args, List.of(mention), List.of()), null);
    }

    private static Bug refuseKeeping(List<String> args, Path kept, String... mention) {
        return new Bug(CorpusCase.refuse("x", "issue14", args, List.of(mention), List.of(kept)), null);
    }

    private static Bug accept(List<String> args, CorpusCase.Check check) {
        return new Bug(CorpusCase.accept("x", "issue14", args, check, List.of()), null);
    }

    private static List<String> capture(Fixtures fx, Path model, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("capture", "--model", model.toString(), "--dataset", fx.prompts.toString(), "--layers", "0",
                "--positions", "-1", "--threads", "1", "--out", out.toString()));
        // a later --dataset / --layers / --positions replaces the default one
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            if (at >= 0 && i + 1 < extra.length && !extra[i + 1].startsWith("--")) {
                a.set(at + 1, extra[++i]);
            } else {
                a.add(extra[i]);
            }
        }
        return a;
    }

    private static List<String> encode(Fixtures fx, Path sae, Path out) {
        return List.of("encode", "--sae", sae.toString(), "--activations", fx.acts.toString(), "--out", out.toString());
    }

    private static Path model(Fixtures fx, String name, String key, GgufValue value) throws IOException {
        io.llamasae.model.gguf.GgufWriter w = TestModelGenerator.build(GgufCorpus.BASE);
        w.put(key, value);
        Path p = fx.dir.resolve(name + ".gguf");
        w.write(p);
        return p;
    }

    private static Path saeWithCfg(Fixtures fx, String name, String kEdit) throws IOException {
        Path d = fx.dir.resolve("sae-" + name);
        io.llamasae.sae.SaeLensWriter.write(fx.saeWeights, d, Map.of("hook_name", "blocks.0.hook_resid_post"));
        if (kEdit != null) {
            String cfg = Files.readString(d.resolve("cfg.json")).replaceAll("\"k\"\\s*:\\s*4", kEdit);
            Files.writeString(d.resolve("cfg.json"), cfg);
        }
        return d;
    }

    private static Path negativeIndexCodes(Fixtures fx) throws IOException {
        int[] idx = {0, 1, -3, 2};
        float[] val = {1f, 2f, 3f, 4f};
        Path p = fx.dir.resolve("neg-codes.safetensors");
        io.llamasae.sae.safetensors.SafetensorsWriter.write(p, Map.of("layer0.pos-1.indices", io.llamasae.sae.safetensors.Tensor.ofInts(idx, 1, 4),
                "layer0.pos-1.values", io.llamasae.sae.safetensors.Tensor.ofFloats(val, 1, 4)), Map.of("n_latents", "8"));
        return p;
    }

    private static long rowsOf(Path file) throws IOException {
        try (var r = io.llamasae.sae.safetensors.SafetensorsReader.open(file)) {
            return r.info(r.tensors().keySet().stream().filter(s -> s.startsWith("layer")).findFirst().orElseThrow()).shape()[0];
        }
    }

    // ---- bugs below the command line ---------------------------------------------------------------

    @Test
    void aSecondResumableWriterOfTheSameOutputIsRefusedAndTouchesNothing() throws Exception {
        Path out = tmp.resolve("lock/acts.safetensors");
        try (StreamingSafetensorsWriter first = StreamingSafetensorsWriter.resumable(out)) {
            first.declare("t", DType.F32, 2);
            first.appendRows("t", new float[] {1, 2, 3, 4}, 0, 4);
            first.checkpoint(Map.of("done", "2"));
            first.appendRows("t", new float[] {5, 6}, 0, 2);  // written after the checkpoint, not yet checkpointed
            Path spill = StreamingSafetensorsWriter.partialDir(out).resolve("t.bin");
            long size = Files.size(spill);
            IOException e = assertThrows(IOException.class, () -> StreamingSafetensorsWriter.resumable(out));
            assertTrue(e.getMessage().contains("lock") && e.getMessage().contains(".partial"), e.getMessage());
            assertEquals(size, Files.size(spill), "the refused writer must not truncate the running one's spill");
        }
    }

    /** A resumable writer of one row [1, 2] checkpointed with {@code state}, then closed without commit (interrupted). */
    private static Path interrupted(String name, Map<String, String> state, boolean rowAfterCheckpoint) throws IOException {
        Path out = tmp.resolve(name + "/acts.safetensors");
        try (StreamingSafetensorsWriter w = StreamingSafetensorsWriter.resumable(out)) {
            w.declare("t", DType.F32, 2);
            w.appendRows("t", new float[] {1, 2}, 0, 2);
            w.checkpoint(state);
            if (rowAfterCheckpoint) w.appendRows("t", new float[] {3, 4}, 0, 2);  // an interrupted batch
        }
        return out;
    }

    @Test
    void aResumedWriterChangesNothingUntilItWrites() throws Exception {
        Path out = interrupted("refuse", Map.of("fingerprint", "A"), true);
        Path spill = StreamingSafetensorsWriter.partialDir(out).resolve("t.bin");
        long size = Files.size(spill);
        try (StreamingSafetensorsWriter w = StreamingSafetensorsWriter.resumable(out)) {
            w.declare("t", DType.F32, 2);
            assertEquals("A", w.resumedState().get("fingerprint"));
            // the caller refuses here (other inputs): closing must leave the spill as it was
        }
        assertEquals(size, Files.size(spill));
    }

    @Test
    void aTempFileLeftByAKilledCheckpointDoesNotBreakTheNextResume() throws Exception {
        Path out = interrupted("stale", Map.of("done", "1"), false);
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        Files.writeString(partial.resolve(".checkpoint.json.1234abcd.tmp"), "{\"rows\": {\"t\": 5");  // killed mid-write
        try (StreamingSafetensorsWriter w = StreamingSafetensorsWriter.resumable(out)) {
            w.declare("t", DType.F32, 2);
            assertEquals("1", w.resumedState().get("done"));
            w.appendRows("t", new float[] {3, 4}, 0, 2);
            w.commit();
        }
        assertTrue(Files.notExists(partial), "the partial folder is removed after the commit");
        try (var r = io.llamasae.sae.safetensors.SafetensorsReader.open(out)) {
            assertEquals(List.of(1f, 2f, 3f, 4f), toList(r.readFloats("t")));
        }
    }

    @Test
    void aRefusedResumeLeavesEvenAKilledCheckpointsTempFile() throws Exception {
        // A caller that opens the folder, reads the state and refuses (other inputs) must change nothing,
        // also when a killed checkpoint left its temp file there (HardeningCorpusTest's
        // process/resume-after-a-refused-run failed when the kill hit a checkpoint write).
        Path out = interrupted("refused-stale", Map.of("done", "1"), false);
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        Path stale = partial.resolve(".checkpoint.json.5678abcd.tmp");
        Files.writeString(stale, "{\"rows\": {\"t\": 5");
        try (StreamingSafetensorsWriter w = StreamingSafetensorsWriter.resumable(out)) {
            assertEquals("1", w.resumedState().get("done"));
        }
        assertTrue(Files.exists(stale), "the refused run kept the folder as it found it");
        try (StreamingSafetensorsWriter w = StreamingSafetensorsWriter.resumable(out)) {
            w.declare("t", DType.F32, 2);
            w.appendRows("t", new float[] {3, 4}, 0, 2);
            w.checkpoint(Map.of("done", "2"));
            assertTrue(Files.notExists(stale), "the next checkpoint removes the stale temp");
        }
    }

    private static List<Float> toList(float[] a) {
        List<Float> l = new ArrayList<>();
        for (float f : a) l.add(f);
        return l;
    }

    @Test
    void theDefaultEncoderIsSharedAndKeepsABoundedNumberOfNativeCopies() {
        SharedData.requireNatives();
        Encoders.register("native", () -> new NativeEncoder(1));
        assertSame(Encoders.byName("native"), Encoders.byName("native"), "one encoder per name, not a new one (and new uploads) per call");
        NativeEncoder enc = (NativeEncoder) Encoders.byName("native");
        float[] x = Fixtures.gaussian(3 * 8, 5);
        for (int s = 0; s < 10; s++) {
            Sae sae = new Sae(8, 16, Fixtures.gaussian(128, s), Fixtures.gaussian(16, s + 100), Fixtures.gaussian(128, s + 200),
                    Fixtures.gaussian(8, s + 300), null, Activation.TOPK_RELU, 2);
            for (int chunk = 0; chunk < 3; chunk++) assertNotNull(enc.encode(sae, x, 3, 2));
        }
        assertTrue(enc.cachedCount() <= NativeEncoder.CACHED, "native copies held: " + enc.cachedCount());
        // a buffer longer than n rows (a reused chunk whose last chunk is partial) is accepted
        Sae sae = new Sae(8, 16, Fixtures.gaussian(128, 1), Fixtures.gaussian(16, 2), Fixtures.gaussian(128, 3), Fixtures.gaussian(8, 4), null,
                Activation.TOPK_RELU, 2);
        assertEquals(2, enc.encode(sae, x, 2, 2).n());
    }

    @Test
    void theCpuBackendIsChosenAtRunTimeAndOpenMpThreadsSleep() throws IOException {
        SharedData.requireNatives();
        String v = NativeLibrary.version();
        assertTrue(v.contains("backends from"), "the CPU backend module was loaded at run time: " + v);
        String cpu = Files.readString(Path.of("/proc/cpuinfo"));
        if (cpu.contains(" avx2")) assertTrue(v.contains("AVX2 = 1"), "AVX2 machine, AVX2 variant expected: " + v);
        if (cpu.contains(" avx512f")) assertTrue(v.contains("AVX512 = 1"), "AVX-512 machine, AVX-512 variant expected: " + v);
        if (cpu.contains(" avx512_bf16")) assertTrue(v.contains("AVX512_BF16 = 1"), "BF16 machine, BF16 variant expected: " + v);
        assertTrue(v.contains("OMP_WAIT_POLICY=PASSIVE") || System.getenv("OMP_WAIT_POLICY") != null,
                "OpenMP threads must sleep while waiting unless the user chose otherwise: " + v);
    }

    @Test
    void testsFailWhenTheNativesDoNotLoadUnlessSkippedOnPurpose() throws Exception {
        // a JVM that looks for natives of another platform cannot load them
        for (boolean skip : new boolean[] {false, true}) {
            Path log = tmp.resolve("natives-" + skip + ".log");
            List<String> cmd = ChildRunner.java(NativesProbe.class.getName(), "-Dorg.bytedeco.javacpp.platform=linux-ppc64le",
                    "-Djavacpp.skip=" + skip);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            String text = Files.readString(log);
            assertTrue(text.contains(skip ? "SKIPPED" : "FAILED"), "javacpp.skip=" + skip + ": " + text);
        }
    }

    /** What {@link SharedData#requireNatives()} does in a JVM without usable natives. */
    public static final class NativesProbe {
        public static void main(String[] args) {
            try {
                SharedData.requireNatives();
                System.out.println("PASSED");
            } catch (org.opentest4j.TestAbortedException e) {
                System.out.println("SKIPPED");
            } catch (AssertionError e) {
                System.out.println("FAILED " + e.getMessage());
            }
            System.exit(0);
        }
    }
}
