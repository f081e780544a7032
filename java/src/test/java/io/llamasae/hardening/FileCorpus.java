package io.llamasae.hardening;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.hardening.CorpusCase.Outcome;
import io.llamasae.sae.JavaEncoder;
import io.llamasae.sae.SaeLensWriter;
import io.llamasae.sae.SparseCodes;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.SafetensorsWriter;
import io.llamasae.sae.safetensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Corpus sections built from the {@link Fixtures}: safetensors mutations (read by encode, train and
 * stats), SAE folders, datasets, options of every command, and output paths that name an input.
 */
final class FileCorpus {
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<CorpusCase> cases = new ArrayList<>();
    private final Fixtures fx;
    private final Path out;
    private int n;

    FileCorpus(Fixtures fx) throws Exception {
        this.fx = fx;
        this.out = Files.createDirectories(fx.dir.resolve("out"));
        safetensors();
        saeFolders();
        datasets();
        options();
        outputs();
    }

    /** A fresh output path for one case. */
    private Path fresh(String ext) {
        return out.resolve("o" + (n++) + ext);
    }

    private static List<String> args(Object... a) {
        List<String> l = new ArrayList<>();
        for (Object o : a) l.add(String.valueOf(o));
        return l;
    }

    private List<Path> inputs(Path... extra) {
        List<Path> p = new ArrayList<>(List.of(fx.model, fx.prompts, fx.gsm, fx.acts, fx.sae, fx.codes));
        p.addAll(List.of(extra));
        return p;
    }

    // ---- safetensors ---------------------------------------------------------------------------

    /** The activations file with its header JSON edited (data bytes kept). */
    private Path mutateHeader(String name, Consumer<ObjectNode> edit) throws IOException {
        byte[] file = Files.readAllBytes(fx.acts);
        long len = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode h = (ObjectNode) JSON.readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
        edit.accept(h);
        return withHeader(name, JSON.writeValueAsString(h), Arrays.copyOfRange(file, 8 + (int) len, file.length));
    }

    private Path withHeader(String name, String header, byte[] data) throws IOException {
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb).put(data);
        return fx.write(name, b.array());
    }

    private void activationsCases(String id, Path file, CorpusCase.Want want, String... mention) {
        List<String> m = new ArrayList<>(List.of(file.getFileName().toString()));
        m.addAll(List.of(mention));
        Path codesOut = fresh(".safetensors");
        List<String> enc = args("encode", "--sae", fx.sae, "--activations", file, "--out", codesOut);
        if (want == CorpusCase.Want.REFUSE) enc.addAll(List.of("--tensor", "layer0.pos-1"));
        List<String> train = args("train", "--activations", file, "--layer", 0, "--position", -1, "--k", 4, "--latents", 16, "--epochs", 1,
                "--out", fresh(""));
        if (want == CorpusCase.Want.REFUSE) {
            cases.add(CorpusCase.refuse("safetensors/" + id + "/encode", "safetensors", enc, m, inputs(file)));
            cases.add(CorpusCase.refuse("safetensors/" + id + "/train", "safetensors", train, m, inputs(file)));
        } else {
            cases.add(new CorpusCase("safetensors/" + id + "/encode", "safetensors", enc, want, m,
                    o -> codesMatchJava(file, codesOut), inputs(file)));
        }
    }

    /** The encode output equals the Java encoder on the same rows (indices exactly, values to 1e-4). */
    private String codesMatchJava(Path actsFile, Path codesFile) throws IOException {
        float[] x;
        try (SafetensorsReader r = SafetensorsReader.open(actsFile)) {
            x = r.readFloats("layer0.pos-1");
        }
        int rows = x.length / Fixtures.D;
        SparseCodes ref = new JavaEncoder().encode(fx.saeWeights, x, rows, Fixtures.K);
        int[] idx;
        float[] val;
        try (SafetensorsReader r = SafetensorsReader.open(codesFile)) {
            idx = r.readInts("layer0.pos-1.indices");
            val = r.readFloats("layer0.pos-1.values");
        }
        if (idx.length != ref.indices().length) return "codes have " + idx.length / Fixtures.K + " rows, expected " + rows;
        int mismatches = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] != ref.indices()[i] || Math.abs(val[i] - ref.values()[i]) > 1e-4 * Math.max(1, Math.abs(ref.values()[i]))) mismatches++;
        }
        // float rounding may reorder near-ties; more than a handful means wrong codes
        return mismatches <= rows / 500 ? null : mismatches + " code slots differ from the Java encoder";
    }

    private void safetensors() throws Exception {
        activationsCases("ok-5000-rows", fx.acts, CorpusCase.Want.ACCEPT);
        byte[] valid = Files.readAllBytes(fx.acts);
        long len = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (long v : new long[] {0, 1, 7, valid.length, Long.MAX_VALUE, -1}) {
            byte[] b = valid.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            // 7 is a plausible length: the refusal is then about the 7 bytes of JSON it delimits
            activationsCases("header-length=" + v, fx.write("hl" + v + ".safetensors", b), CorpusCase.Want.REFUSE, v == 7 ? "header" : "header length");
        }
        byte[] data = Arrays.copyOfRange(valid, 8 + (int) len, valid.length);
        activationsCases("header-not-json", withHeader("nj.safetensors", "{not json", data), CorpusCase.Want.REFUSE);
        activationsCases("header-array", withHeader("ha.safetensors", "[1,2]", data), CorpusCase.Want.REFUSE);
        activationsCases("header-duplicate-key", withHeader("hd.safetensors",
                "{\"layer0.pos-1\":{\"dtype\":\"F32\",\"shape\":[5000,32],\"data_offsets\":[0,640000]},"
                        + "\"layer0.pos-1\":{\"dtype\":\"F32\",\"shape\":[5000,32],\"data_offsets\":[0,640000]}}", data), CorpusCase.Want.REFUSE);
        activationsCases("dtype=F99", mutateHeader("dt1.safetensors", h -> t(h).put("dtype", "F99")), CorpusCase.Want.REFUSE, "dtype");
        activationsCases("dtype=I32", mutateHeader("dt2.safetensors", h -> t(h).put("dtype", "I32")), CorpusCase.Want.REFUSE, "dtype");
        activationsCases("dtype=F16-size-mismatch", mutateHeader("dt3.safetensors", h -> t(h).put("dtype", "F16")), CorpusCase.Want.REFUSE);
        activationsCases("shape-negative", mutateHeader("s1.safetensors", h -> shape(h, -5000, 32)), CorpusCase.Want.REFUSE, "shape");
        activationsCases("shape-mismatch", mutateHeader("s2.safetensors", h -> shape(h, 5000, 31)), CorpusCase.Want.REFUSE);
        activationsCases("shape-rank1", mutateHeader("s3.safetensors", h -> shape(h, 160000)), CorpusCase.Want.REFUSE, "shape");
        activationsCases("shape-rank3", mutateHeader("s4.safetensors", h -> shape(h, 50, 100, 32)), CorpusCase.Want.REFUSE, "shape");
        activationsCases("shape-huge", mutateHeader("s5.safetensors", h -> shape(h, Long.MAX_VALUE, 32)), CorpusCase.Want.REFUSE);
        activationsCases("shape-zero-rows", mutateHeader("s6.safetensors", h -> {
            shape(h, 0, 32);
            offsets(h, 0, 0);
        }), CorpusCase.Want.REFUSE);
        activationsCases("shape-not-integer", mutateHeader("s7.safetensors", h -> t(h).putArray("shape").add(5000.5).add(32)),
                CorpusCase.Want.REFUSE, "shape");
        activationsCases("offsets-reversed", mutateHeader("o1.safetensors", h -> offsets(h, 640000, 0)), CorpusCase.Want.REFUSE, "data_offsets");
        activationsCases("offsets-beyond", mutateHeader("o2.safetensors", h -> offsets(h, 4, 640004)), CorpusCase.Want.REFUSE);
        activationsCases("offsets-missing", mutateHeader("o3.safetensors", h -> t(h).remove("data_offsets")), CorpusCase.Want.REFUSE, "data_offsets");
        activationsCases("metadata-not-string", mutateHeader("m1.safetensors", h -> ((ObjectNode) h.get("__metadata__")).put("x", 5)),
                CorpusCase.Want.REFUSE, "__metadata__");
        activationsCases("tensor-renamed", mutateHeader("r1.safetensors", h -> h.set("layer0.pos-2", h.remove("layer0.pos-1"))),
                CorpusCase.Want.REFUSE, "layer0.pos-1");
        activationsCases("truncated", fx.write("tr.safetensors", Arrays.copyOf(valid, valid.length - 100)), CorpusCase.Want.REFUSE);
        activationsCases("empty-file", fx.write("empty.safetensors", new byte[0]), CorpusCase.Want.REFUSE);
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            byte[] b = valid.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(8 + (int) len + 4 * (4200 * 32 + 5), bad);
            activationsCases("value=" + bad, fx.write("v" + bad + ".safetensors", b), CorpusCase.Want.REFUSE, "finite");
        }
        // F16 activations are legitimate
        float[] x;
        try (SafetensorsReader r = SafetensorsReader.open(fx.acts)) {
            x = r.readFloats("layer0.pos-1");
        }
        Path f16 = fx.dir.resolve("acts-f16.safetensors");
        SafetensorsWriter.write(f16, Map.of("layer0.pos-1", Tensor.ofHalfs(io.llamasae.sae.safetensors.DType.F16, x, Fixtures.ROWS, Fixtures.D)),
                Map.of());
        activationsCases("f16", f16, CorpusCase.Want.ACCEPT);
        // codes files for stats
        byte[] codes = Files.readAllBytes(fx.codes);
        long clen = ByteBuffer.wrap(codes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int idxStart = 8 + (int) clen;  // indices come first (sorted names): I32 [ROWS, K]
        for (int badIdx : new int[] {-2, -5, Fixtures.F, Integer.MAX_VALUE}) {
            byte[] b = codes.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(idxStart + 4 * 17, badIdx);
            Path p = fx.write("codes-bad" + badIdx + ".safetensors", b);
            cases.add(CorpusCase.refuse("safetensors/codes-index=" + badIdx + "/stats", "safetensors", args("stats", "--codes", p),
                    List.of(p.getFileName().toString(), "indices"), inputs(p)));
        }
        cases.add(CorpusCase.accept("safetensors/codes-ok/stats", "safetensors", args("stats", "--codes", fx.codes, "--top", 3),
                o -> o.out().contains("5000 rows, k = 4, 64 latents") ? null : "unexpected summary: " + o.out(), inputs()));
    }

    private static ObjectNode t(ObjectNode h) {
        return (ObjectNode) h.get("layer0.pos-1");
    }

    private static void shape(ObjectNode h, long... s) {
        ArrayNode a = t(h).putArray("shape");
        for (long v : s) a.add(v);
    }

    private static void offsets(ObjectNode h, long a, long b) {
        t(h).putArray("data_offsets").add(a).add(b);
    }

    // ---- SAE folders ---------------------------------------------------------------------------

    private Path saeCopy(String name, Map<String, Object> cfgEdits, boolean keepCfg) throws IOException {
        Path d = fx.dir.resolve("sae-" + name);
        SaeLensWriter.write(fx.saeWeights, d, Map.of("hook_name", "blocks.0.hook_resid_post", "hook_layer", 0));
        if (!keepCfg) {
            Files.delete(d.resolve("cfg.json"));
        } else if (!cfgEdits.isEmpty()) {
            ObjectNode cfg = (ObjectNode) JSON.readTree(d.resolve("cfg.json").toFile());
            cfgEdits.forEach((k, v) -> {
                if (v == null) cfg.remove(k);
                else cfg.set(k, JSON.valueToTree(v));
            });
            Files.writeString(d.resolve("cfg.json"), JSON.writeValueAsString(cfg));
        }
        return d;
    }

    private void saeCase(String id, Path sae, CorpusCase.Want want, List<String> extra, String... mention) {
        Path codesOut = fresh(".safetensors");
        List<String> a = args("encode", "--sae", sae, "--activations", fx.acts, "--out", codesOut);
        a.addAll(extra);
        List<String> m = List.of(mention);
        if (want == CorpusCase.Want.REFUSE) {
            cases.add(CorpusCase.refuse("sae/" + id, "sae", a, m, inputs(sae)));
        } else {
            cases.add(CorpusCase.accept("sae/" + id, "sae", a, o -> codesMatchJava(fx.acts, codesOut), inputs(sae)));
        }
    }

    private void saeFolders() throws Exception {
        saeCase("ok", fx.sae, CorpusCase.Want.ACCEPT, List.of());
        saeCase("no-cfg.json", saeCopy("nocfg", Map.of(), false), CorpusCase.Want.REFUSE, List.of(), "cfg.json");
        saeCase("k=16.5", saeCopy("kfrac", Map.of("k", 16.5, "activation_fn_kwargs", Map.of("k", 16.5)), true), CorpusCase.Want.REFUSE, List.of(), "k");
        saeCase("k='4'", saeCopy("kstr", Map.of("k", "4", "activation_fn_kwargs", Map.of("k", "4")), true), CorpusCase.Want.REFUSE, List.of(), "k");
        saeCase("k=0", saeCopy("k0", Map.of("k", 0, "activation_fn_kwargs", Map.of("k", 0)), true), CorpusCase.Want.REFUSE, List.of(), "k");
        saeCase("k=65", saeCopy("k65", Map.of("k", 65, "activation_fn_kwargs", Map.of("k", 65)), true), CorpusCase.Want.REFUSE, List.of(), "k");
        saeCase("k=4.0", saeCopy("k40", Map.of("k", 4.0, "activation_fn_kwargs", Map.of("k", 4.0)), true), CorpusCase.Want.ACCEPT, List.of());
        saeCase("d_in=16", saeCopy("din", Map.of("d_in", 16), true), CorpusCase.Want.REFUSE, List.of(), "d_in");
        saeCase("architecture=bogus", saeCopy("arch", Map.of("architecture", "bogus", "llama_sae_activation", "bogus"), true),
                CorpusCase.Want.REFUSE, List.of());
        saeCase("jumprelu-without-threshold", saeCopy("jr", Map.of("architecture", "jumprelu", "llama_sae_activation", "jumprelu"), true),
                CorpusCase.Want.REFUSE, List.of(), "threshold");
        saeCase("normalize_activations", saeCopy("norm", Map.of("normalize_activations", "expected_average_only_in"), true),
                CorpusCase.Want.REFUSE, List.of(), "normalize_activations");
        Path badJson = saeCopy("badjson", Map.of(), true);
        Files.writeString(badJson.resolve("cfg.json"), "{\"d_in\": 32,");
        saeCase("cfg-not-json", badJson, CorpusCase.Want.REFUSE, List.of(), "cfg.json");
        Path arr = saeCopy("arrjson", Map.of(), true);
        Files.writeString(arr.resolve("cfg.json"), "[1, 2]");
        saeCase("cfg-array", arr, CorpusCase.Want.REFUSE, List.of(), "cfg.json");
        // both layouts in one file, and both files in one folder
        Path both = saeCopy("bothtensors", Map.of(), true);
        Map<String, Tensor> t = new java.util.TreeMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(both.resolve("sae_weights.safetensors"))) {
            for (String name : r.tensors().keySet()) t.put(name, Tensor.ofFloats(r.readFloats(name), r.info(name).shape()));
        }
        t.put("encoder.weight", Tensor.ofFloats(fx.saeWeights.wEnc(), Fixtures.F, Fixtures.D));
        SafetensorsWriter.write(both.resolve("sae_weights.safetensors"), t, Map.of());
        saeCase("saelens+sparsify-tensors", both, CorpusCase.Want.REFUSE, List.of(), "saelens", "sparsify");
        saeCase("saelens+sparsify-tensors+--format", both, CorpusCase.Want.ACCEPT, List.of("--format", "saelens"));
        Path twoFiles = saeCopy("twofiles", Map.of(), true);
        Files.copy(twoFiles.resolve("sae_weights.safetensors"), twoFiles.resolve("sae.safetensors"));
        saeCase("two-format-files", twoFiles, CorpusCase.Want.REFUSE, List.of(), "sae_weights.safetensors", "sae.safetensors");
        saeCase("two-format-files+--format", twoFiles, CorpusCase.Want.ACCEPT, List.of("--format", "SAELENS"));
        Path empty = Files.createDirectories(fx.dir.resolve("sae-empty"));
        saeCase("empty-folder", empty, CorpusCase.Want.REFUSE, List.of());
        Path nan = saeCopy("nan", Map.of(), true);
        float[] w = fx.saeWeights.wDec().clone();
        w[77] = Float.NaN;
        Map<String, Tensor> tn = new java.util.TreeMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(nan.resolve("sae_weights.safetensors"))) {
            for (String name : r.tensors().keySet()) tn.put(name, Tensor.ofFloats(r.readFloats(name), r.info(name).shape()));
        }
        tn.put("W_dec", Tensor.ofFloats(w, Fixtures.F, Fixtures.D));
        SafetensorsWriter.write(nan.resolve("sae_weights.safetensors"), tn, Map.of());
        saeCase("W_dec-NaN", nan, CorpusCase.Want.REFUSE, List.of(), "W_dec");
        saeCase("format=bogus", fx.sae, CorpusCase.Want.REFUSE, List.of("--format", "bogus"), "--format");
        saeCase("format=sparsify-on-saelens", fx.sae, CorpusCase.Want.REFUSE, List.of("--format", "sparsify"), "encoder.weight");
        saeCase("missing", fx.dir.resolve("no-such-sae"), CorpusCase.Want.REFUSE, List.of(), "--sae");
        saeCase("fifo", fifoQuietly("sae.fifo"), CorpusCase.Want.REFUSE, List.of(), "--sae", "named pipe");
        // trained at block 0: attached at another layer is refused unless explicitly allowed
        Path capOut = fresh(".safetensors");
        cases.add(CorpusCase.refuse("sae/layer-mismatch/capture", "sae", args("capture", "--model", fx.model, "--dataset", fx.prompts, "--layers", 1,
                "--positions", -1, "--sae", fx.sae, "--codes-out", fresh(".safetensors"), "--out", capOut), List.of("--layers", "block 0",
                "--allow-layer-mismatch"), inputs()));
        Path capOut2 = fresh(".safetensors");
        cases.add(CorpusCase.accept("sae/layer-mismatch-allowed/capture", "sae", args("capture", "--model", fx.model, "--dataset", fx.prompts,
                "--layers", 1, "--positions", -1, "--sae", fx.sae, "--codes-out", fresh(".safetensors"), "--out", capOut2,
                "--allow-layer-mismatch"), o -> Fixtures.finite(capOut2), inputs()));
        cases.add(CorpusCase.refuse("sae/layer-mismatch/analyze", "sae", args("analyze", "--model", fx.model, "--sae", fx.sae, "--dataset",
                fx.gsm, "--layer", 2, "--layer-convention", "hf", "--position", -1, "--out", fresh("")), List.of("--layer 2", "block 0"),
                inputs()));
        Path pre = saeCopy("resid-pre", Map.of("hook_name", "blocks.1.hook_resid_pre", "hook_layer", 1), true);
        Path capOut3 = fresh(".safetensors");
        cases.add(CorpusCase.accept("sae/hook_resid_pre-of-block-1-is-block-0/capture", "sae", args("capture", "--model", fx.model, "--dataset",
                fx.prompts, "--layers", 0, "--positions", -1, "--sae", pre, "--codes-out", fresh(".safetensors"), "--out", capOut3),
                o -> Fixtures.finite(capOut3), inputs(pre)));
    }

    private Path fifoQuietly(String name) throws Exception {
        return fx.fifo(name);
    }

    // ---- datasets ------------------------------------------------------------------------------

    private void captureCase(String id, Path dataset, CorpusCase.Want want, CorpusCase.Check check, List<String> extra, String... mention) {
        Path o = fresh(".safetensors");
        List<String> a = args("capture", "--model", fx.model, "--dataset", dataset, "--layers", "0,1", "--ctx", 256, "--out", o);
        a.addAll(extra);
        if (!extra.contains("--positions")) a.addAll(List.of("--positions", "-1"));
        CorpusCase.Check c = check == null ? x -> Fixtures.finite(o) : x -> {
            String f = Fixtures.finite(o);
            return f != null ? f : check.verify(x);
        };
        cases.add(new CorpusCase("dataset/" + id, "dataset", a, want, List.of(mention), want == CorpusCase.Want.REFUSE ? null : c, inputs(dataset)));
        lastOut = o;
    }

    private Path lastOut;

    private void datasets() throws Exception {
        String gsmText = Files.readString(fx.gsm);
        captureCase("gsm8k", fx.gsm, CorpusCase.Want.ACCEPT, null, List.of());
        Path gsmRef = lastOut;
        Path bom = fx.write("bom.jsonl", "\uFEFF" + gsmText);
        captureCase("gsm8k-with-BOM", bom, CorpusCase.Want.ACCEPT, o -> sameTensors(gsmRef, lastOutOf(o)), List.of());
        for (String f : new String[] {"gsm8k", "GSM8K", "Gsm8K"}) captureCase("--format=" + f, fx.gsm, CorpusCase.Want.ACCEPT, null, List.of("--format", f));
        captureCase("--format=bogus", fx.gsm, CorpusCase.Want.REFUSE, null, List.of("--format", "bogus"), "--format");
        captureCase("--format=cot-on-gsm8k", fx.gsm, CorpusCase.Want.REFUSE, null, List.of("--format", "cot"), "gsm.jsonl:1", "'cot'");
        byte[] invalid = "12+7=19\nfine line\nbad \u00ff line\n".getBytes(StandardCharsets.ISO_8859_1);
        captureCase("invalid-utf8-line-3", fx.write("latin1.txt", invalid), CorpusCase.Want.REFUSE, null, List.of(), "latin1.txt:3", "UTF-8");
        captureCase("empty", fx.write("empty.txt", ""), CorpusCase.Want.REFUSE, null, List.of(), "empty.txt", "empty");
        captureCase("blank-lines", fx.write("blank.txt", "\n   \n\t\n"), CorpusCase.Want.REFUSE, null, List.of(), "blank.txt", "empty");
        String[] lines = gsmText.split("\n");
        String badFirst = "{not json\n" + String.join("\n", lines) + "\n";
        captureCase("malformed-line-1", fx.write("bad1.jsonl", badFirst), CorpusCase.Want.REFUSE, null, List.of(), "bad1.jsonl:1");
        captureCase("malformed-line-1+--skip-bad", fx.dir.resolve("bad1.jsonl"), CorpusCase.Want.ACCEPT,
                o -> rows(lastOutOf(o)) == lines.length ? null : "expected " + lines.length + " rows", List.of("--skip-bad"));
        captureCase("missing-answer-line-2", fx.write("noans.jsonl", lines[0] + "\n{\"question\": \"What is 2+2?\"}\n"),
                CorpusCase.Want.REFUSE, null, List.of(), "noans.jsonl:2", "'answer'");
        captureCase("all-bad+--skip-bad", fx.write("allbad.jsonl", "{x\n{y\n"), CorpusCase.Want.REFUSE, null, List.of("--skip-bad"), "allbad.jsonl");
        captureCase("cot-list-of-numbers", fx.write("cot.jsonl", "{\"question\": \"q\", \"cot\": [1, 2], \"answer\": \"3\"}\n"),
                CorpusCase.Want.REFUSE, null, List.of(), "cot.jsonl:1", "'cot'");
        captureCase("binary", fx.write("binary.bin", new byte[] {0, (byte) 0xff, (byte) 0xfe, 1, 2, 3, (byte) 0xc3}), CorpusCase.Want.REFUSE, null,
                List.of(), "binary.bin");
        captureCase("too-long-for-ctx", fx.write("long.txt", "twelve plus seven ".repeat(400) + "\n"), CorpusCase.Want.REFUSE, null, List.of(),
                "--ctx");
        captureCase("fifo", fx.fifo("data.fifo"), CorpusCase.Want.REFUSE, null, List.of(), "--dataset", "named pipe");
        captureCase("folder", fx.dir.resolve("sae"), CorpusCase.Want.REFUSE, null, List.of(), "sae");
        captureCase("missing", fx.dir.resolve("nope.txt"), CorpusCase.Want.REFUSE, null, List.of(), "--dataset", "nope.txt");
        // leading spaces are part of the prompt (a BPE/SPM tokenizer gives other tokens)
        captureCase("no-leading-space", fx.write("nospace.txt", "Hello there\n"), CorpusCase.Want.ACCEPT, null, List.of("--positions", "all"));
        Path noSpace = lastOut;
        captureCase("leading-spaces-kept", fx.write("space.txt", "   Hello there\n"), CorpusCase.Want.ACCEPT,
                o -> rows(lastOutOf(o)) > rows(noSpace) ? null : "leading spaces were dropped (same token count as without them)",
                List.of("--positions", "all"));
    }

    /** The output path of the case that produced {@code o} (the checks run after all cases). */
    private Path lastOutOf(Outcome o) {
        for (String l : o.out().lines().toList()) {
            if (l.startsWith("wrote ")) return Path.of(l.substring(6, l.indexOf(':')));
        }
        return Path.of("missing-output");
    }

    private static long rows(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            String first = r.tensors().keySet().stream().filter(s -> s.startsWith("layer")).findFirst().orElseThrow();
            return r.info(first).shape()[0];
        }
    }

    private static String sameTensors(Path a, Path b) throws IOException {
        Map<String, float[]> x = Fixtures.floats(a), y = Fixtures.floats(b);
        if (!x.keySet().equals(y.keySet())) return "tensors differ: " + x.keySet() + " vs " + y.keySet();
        for (String k : x.keySet()) if (!Arrays.equals(x.get(k), y.get(k))) return k + " differs from the reference run";
        return null;
    }

    // ---- options -------------------------------------------------------------------------------

    private void option(String id, List<String> a, String option) {
        cases.add(CorpusCase.refuse("options/" + id, "options", a, List.of(option), inputs()));
    }

    private void options() throws Exception {
        List<String> cap = args("capture", "--model", fx.model, "--dataset", fx.prompts, "--layers", 0, "--positions", -1);
        for (String[] ov : new String[][] {{"--batch", "0"}, {"--batch", "-1"}, {"--batch", "2147483648"}, {"--batch", "abc"}, {"--threads", "-1"},
                {"--threads", "513"}, {"--threads", "1e3"}, {"--ctx", "-1"}, {"--ctx", "99999999999"}, {"--ctx", "2147483647"}, {"--ctx", "262145"}, {"--limit", "0"}, {"--limit", "-1"},
                {"--layer-convention", "bogus"}, {"--backend", "tpu"}}) {
            List<String> a = new ArrayList<>(cap);
            a.addAll(List.of(ov[0], ov[1], "--out", fresh(".safetensors").toString()));
            option("capture" + ov[0] + "=" + ov[1], a, ov[0]);
        }
        for (String[] lp : new String[][] {{"-1", "0"}, {"2", "0"}, {"9999", "0"}, {"a", "0"}, {"", "0"}, {"0,0", "0"}, {"0", "x"}, {"0", ""},
                {"0", "g0"}, {"0", "g-1"}, {"0", "999"}, {"0", "-999"}, {"0", "gx"}}) {
            option("capture--layers=" + lp[0] + "--positions=" + lp[1], args("capture", "--model", fx.model, "--dataset", fx.prompts, "--layers",
                    lp[0], "--positions", lp[1], "--out", fresh(".safetensors")), lp[1].equals("0") ? "layer" : "position");
        }
        option("capture-hf-layer-0", args("capture", "--model", fx.model, "--dataset", fx.prompts, "--layers", 0, "--layer-convention", "hf",
                "--positions", -1, "--out", fresh(".safetensors")), "HF layer 0");
        Path gk = fresh(".safetensors");
        cases.add(CorpusCase.refuse("options/capture-g2-prompt-too-long-for-ctx", "options", args("capture", "--model", fx.model, "--dataset",
                fx.gsm, "--layers", 0, "--positions", "g2", "--ctx", 16, "--out", gk), List.of("--ctx"), inputs()));
        Path gkFits = fresh(".safetensors");
        cases.add(CorpusCase.accept("options/capture-g2-default-batch-split-to-fit-ctx", "options", args("capture", "--model", fx.model,
                "--dataset", fx.gsm, "--layers", 0, "--positions", "g2", "--ctx", 128, "--out", gkFits), o -> Fixtures.finite(gkFits) == null
                && Fixtures.floats(gkFits).containsKey("layer0.posg2") ? null : "no finite layer0.posg2", inputs()));
        Path gk2 = fresh(".safetensors");
        cases.add(CorpusCase.accept("options/capture-g2-batch-1", "options", args("capture", "--model", fx.model, "--dataset", fx.prompts,
                "--layers", 0, "--positions", "-1,g2", "--batch", 1, "--out", gk2), o -> Fixtures.finite(gk2) == null || Fixtures.floats(gk2)
                .containsKey("layer0.posg2") ? null : "no layer0.posg2", inputs()));
        Path hiCtx = fresh(".safetensors");
        cases.add(CorpusCase.accept("options/capture---ctx-beyond-training-warns", "options", args("capture", "--model", fx.model, "--dataset",
                fx.prompts, "--layers", 0, "--positions", -1, "--ctx", 1024, "--out", hiCtx),
                o -> o.err().contains("warning: --ctx 1024 exceeds the 128 tokens") ? Fixtures.finite(hiCtx) : "no --ctx warning: " + o.err(), inputs()));
        for (String conv : new String[] {"HF", "Llama.CPP"}) {
            Path p = fresh(".safetensors");
            cases.add(CorpusCase.accept("options/capture--layer-convention=" + conv, "options", args("capture", "--model", fx.model, "--dataset",
                    fx.prompts, "--layers", 1, "--layer-convention", conv, "--positions", -1, "--out", p), o -> Fixtures.finite(p), inputs()));
        }
        // encode
        for (String[] ov : new String[][] {{"--k", "0"}, {"--k", "-1"}, {"--k", "16.5"}, {"--k", "65"}, {"--chunk", "0"}, {"--chunk", "-5"},
                {"--encoder", "cuda-magic"}}) {
            option("encode" + ov[0] + "=" + ov[1], args("encode", "--sae", fx.sae, "--activations", fx.acts, ov[0], ov[1], "--out",
                    fresh(".safetensors")), ov[0].equals("--k") && ov[1].equals("65") ? "k" : ov[0]);
        }
        // train
        List<String> tr = args("train", "--activations", fx.acts, "--layer", 0, "--position", -1, "--k", 4, "--latents", 16);
        for (String[] ov : new String[][] {{"--lr", "NaN"}, {"--lr", "-1"}, {"--lr", "0"}, {"--lr", "Infinity"}, {"--lr", "abc"},
                {"--epochs", "0"}, {"--batch", "0"}, {"--aux-k-coef", "-1"}, {"--aux-k-coef", "NaN"}, {"--aux-k", "-1"}, {"--dead-tokens", "-1"},
                {"--activation", "bogus"}, {"--bdec-init", "bogus"}, {"--seed", "x"}}) {
            List<String> a = new ArrayList<>(tr);
            a.addAll(List.of(ov[0], ov[1], "--out", fresh("").toString()));
            option("train" + ov[0] + "=" + ov[1], a, ov[0]);
        }
        for (String[] kv : new String[][] {{"--k", "0"}, {"--k", "16.5"}, {"--latents", "0"}, {"--latents", "-3"}}) {
            List<String> a = args("train", "--activations", fx.acts, "--layer", 0, "--position", -1, "--k", "4", "--latents", "16");
            a.set(a.indexOf(kv[0]) + 1, kv[1]);
            a.addAll(List.of("--out", fresh("").toString()));
            option("train" + kv[0] + "=" + kv[1], a, kv[0]);
        }
        Path bdec = fresh("");
        cases.add(CorpusCase.accept("options/train--bdec-init=mean", "options", args("train", "--activations", fx.acts, "--layer", 0, "--position",
                -1, "--k", 4, "--latents", 16, "--epochs", 1, "--bdec-init", "mean", "--out", bdec),
                o -> Files.isRegularFile(bdec.resolve("sae_weights.safetensors")) ? null : "no SAE written", inputs()));
        option("train--layer-missing-tensor", args("train", "--activations", fx.acts, "--layer", 9, "--position", -1, "--k", 4, "--latents", 16,
                "--out", fresh("")), "layer9.pos-1");
        option("train--k-above-latents", args("train", "--activations", fx.acts, "--layer", 0, "--position", -1, "--k", 20, "--latents", 16,
                "--out", fresh("")), "k");
        // stats
        for (String[] ov : new String[][] {{"--latents", "0"}, {"--latents", "-1"}, {"--top", "-1"}}) {
            option("stats" + ov[0] + "=" + ov[1], args("stats", "--codes", fx.codes, ov[0], ov[1]), ov[0]);
        }
        option("stats--latents-too-small", args("stats", "--codes", fx.codes, "--latents", 10), "--latents 10");
        option("stats--tensor-missing", args("stats", "--codes", fx.codes, "--tensor", "layer7.pos3"), "layer7.pos3");
        // classify
        Path stored = fx.write("analysis.json", "{\"metadata\": {}, \"all_features\": []}");
        for (String[] ov : new String[][] {{"--mode", "bogus"}, {"--op-max", "-1"}, {"--op-others", "-0.5"}, {"--op-max", "NaN"},
                {"--min-support", "-1"}, {"--n-samples", "-1"}}) {
            option("classify" + ov[0] + "=" + ov[1], args("classify", "--from", stored, ov[0], ov[1], "--out", fresh(".json")), ov[0]);
        }
        // intervene and validate (refused before the model is loaded)
        List<String> iv = args("intervene", "--model", fx.model, "--sae", fx.sae, "--layer", 0);
        for (String[] ov : new String[][] {{"--prompt", ""}, {"--prompt", "   "}}) {
            List<String> a = new ArrayList<>(iv);
            a.addAll(List.of("--ablate", "3", ov[0], ov[1]));
            option("intervene" + ov[0] + "='" + ov[1] + "'", a, ov[0]);
        }
        for (String[] ov : new String[][] {{"--ablate", "99"}, {"--ablate", "-1"}, {"--scale", "3=NaN"}, {"--max-tokens", "0"}, {"--limit", "0"},
                {"--layer", "-1"}, {"--k", "0"}}) {
            List<String> a = new ArrayList<>(iv);
            if (!ov[0].equals("--ablate") && !ov[0].equals("--scale")) a.addAll(List.of("--ablate", "3"));
            a.addAll(List.of(ov[0], ov[1], "--prompt", "12+7="));
            option("intervene" + ov[0] + "=" + ov[1], a, ov[0].equals("--ablate") || ov[0].equals("--scale") ? ov[0].substring(2) : ov[0]);
        }
        List<String> va = args("validate", "--model", fx.model, "--sae", fx.sae, "--layer", 0, "--dataset", fx.gsm, "--position", -1);
        for (String[] ov : new String[][] {{"--top", "-1"}, {"--resamples", "0"}, {"--scope", "bogus"}, {"--factors", "2,NaN"},
                {"--sanity-prompts", "0"}, {"--high-impact", "-1"}}) {
            List<String> a = new ArrayList<>(va);
            a.addAll(List.of(ov[0], ov[1], "--out", fresh("").toString()));
            option("validate" + ov[0] + "=" + ov[1], a, ov[0]);
        }
        for (String[] ov : new String[][] {{"--samples", "0"}, {"--threads", "513"}, {"--mode", "bogus"}}) {
            option("demo" + ov[0] + "=" + ov[1], args("demo", ov[0], ov[1], "--out", fresh("")), ov[0]);
        }
        // picocli's own refusals get the same shape
        option("unknown-option", args("info", "--model", fx.model, "--frobnicate"), "--frobnicate");
        option("unknown-command", args("frobnicate"), "frobnicate");
        option("missing-required", args("capture", "--dataset", fx.prompts), "--model");
        option("exclusive-options", args("intervene", "--model", fx.model, "--sae", fx.sae, "--layer", 0, "--ablate", 1, "--prompt", "x",
                "--dataset", fx.gsm), "--dataset");
        option("info-missing-model", args("info", "--model", fx.dir.resolve("nothing.gguf")), "--model");
        option("info-folder-as-model", args("info", "--model", fx.dir), "model");
    }

    // ---- outputs that name inputs ----------------------------------------------------------------

    private void outputs() throws Exception {
        Path link = fx.dir.resolve("link-to-prompts.txt");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, fx.prompts);
        Path dotdot = fx.dir.resolve("out").resolve("..").resolve("prompts.txt");
        Object[][] capture = {{"--out=--dataset", fx.prompts}, {"--out=--model", fx.model}, {"--out=symlink-to-dataset", link},
                {"--out=dataset-via-..", dotdot}};
        for (Object[] c : capture) {
            cases.add(CorpusCase.refuse("outputs/capture" + c[0], "outputs", args("capture", "--model", fx.model, "--dataset", fx.prompts, "--layers",
                    0, "--positions", -1, "--out", c[1]), List.of("--out"), inputs(link)));
        }
        Path same = fresh(".safetensors");
        cases.add(CorpusCase.refuse("outputs/capture--out=--codes-out", "outputs", args("capture", "--model", fx.model, "--dataset", fx.prompts,
                "--layers", 0, "--positions", -1, "--sae", fx.sae, "--codes-out", same, "--out", same), List.of("--codes-out"), inputs()));
        cases.add(CorpusCase.refuse("outputs/capture--out-inside-sae-folder", "outputs", args("capture", "--model", fx.model, "--dataset",
                fx.prompts, "--layers", 0, "--positions", -1, "--sae", fx.sae, "--codes-out", fresh(".safetensors"), "--out",
                fx.sae.resolve("sae_weights.safetensors")), List.of("--out", "--sae"), inputs()));
        cases.add(CorpusCase.refuse("outputs/encode--out=--activations", "outputs", args("encode", "--sae", fx.sae, "--activations", fx.acts,
                "--out", fx.acts), List.of("--out"), inputs()));
        cases.add(CorpusCase.refuse("outputs/encode--out=sae-weights", "outputs", args("encode", "--sae", fx.sae, "--activations", fx.acts,
                "--out", fx.sae.resolve("sae_weights.safetensors")), List.of("--out"), inputs()));
        cases.add(CorpusCase.refuse("outputs/train--out=--activations", "outputs", args("train", "--activations", fx.acts, "--layer", 0,
                "--position", -1, "--k", 4, "--latents", 16, "--epochs", 1, "--out", fx.acts), List.of("--out"), inputs()));
        // an input inside the output folder with the name of a file the command writes: caught at write time
        Path trainDir = Files.createDirectories(fx.dir.resolve("train-collision"));
        Path collide = trainDir.resolve("sae_weights.safetensors");
        Files.copy(fx.acts, collide, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cases.add(CorpusCase.refuse("outputs/train-input-named-like-its-output", "outputs", args("train", "--activations", collide, "--layer", 0,
                "--position", -1, "--k", 4, "--latents", 16, "--epochs", 1, "--out", trainDir), List.of("sae_weights.safetensors", "input"),
                inputs(collide)));
        cases.add(CorpusCase.refuse("outputs/stats--out=--codes", "outputs", args("stats", "--codes", fx.codes, "--out", fx.codes),
                List.of("--out"), inputs()));
        Path stored = fx.write("analysis2.json", "{\"metadata\": {}, \"all_features\": []}");
        cases.add(CorpusCase.refuse("outputs/classify--out=--from", "outputs", args("classify", "--from", stored, "--out", stored),
                List.of("--out"), inputs(stored)));
        cases.add(CorpusCase.refuse("outputs/analyze--out=--sae", "outputs", args("analyze", "--model", fx.model, "--sae", fx.sae, "--dataset",
                fx.gsm, "--layer", 0, "--position", -1, "--out", fx.sae), List.of("--out"), inputs()));
        cases.add(CorpusCase.refuse("outputs/validate--out=--model", "outputs", args("validate", "--model", fx.model, "--sae", fx.sae, "--dataset",
                fx.gsm, "--layer", 0, "--position", -1, "--out", fx.model), List.of("--out"), inputs()));
    }
}
