package io.llamasae.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Captures a dataset's residual-stream rows (and, with an SAE, its codes) into safetensors files:
 * a {@link Pass} with an {@link ActivationSink}. See {@link ActivationSink} for the file layout;
 * {@code __metadata__} holds {@code sample_ids} (JSON list), {@code layer_convention}, {@code model},
 * {@code layers}, {@code positions}, {@code generated_steps} and {@code n_embd}.
 */
public final class Capture {
    private Capture() {}

    /** What a capture wrote. */
    public record Summary(Path file, int samples, long rowsPerTensor, List<String> tensors) {}

    /** Captures rows only; see the full form. */
    public static Summary toSafetensors(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec,
                                        LayerConvention convention, Path out, int batch, IntConsumer progress) {
        return toSafetensors(engine, ids, prompts, spec, convention, out, batch, progress, null, null, false);
    }

    /**
     * Tokenizes and captures {@code prompts} (ids are the sample ids, same order) into {@code out},
     * {@code batch} prompts per engine run. When {@code sae} is given it is attached to the (single)
     * captured layer and its codes, computed inside the forward pass, go to {@code codesOut}. With
     * {@code resume}, spills live in {@code <out>.partial/} and are checkpointed after every batch; a
     * run interrupted for any reason continues from its last checkpoint when started again with the
     * same inputs (a different model, dataset, spec or SAE is refused).
     *
     * @param progress called with the number of samples done after each batch (may be null)
     */
    public static Summary toSafetensors(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec,
                                        LayerConvention convention, Path out, int batch, IntConsumer progress, NativeSae sae,
                                        Path codesOut, boolean resume) {
        if (ids.size() != prompts.size()) throw new IllegalArgumentException("ids and prompts differ in length");
        if (prompts.isEmpty()) throw new IllegalArgumentException("capture: the dataset has no samples");
        if (spec.layers().isEmpty()) throw new IllegalArgumentException("capture: no layers to capture");
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
        if (sae != null) {
            if (spec.layers().size() != 1) throw new IllegalArgumentException("capture with --sae: give exactly one layer");
            if (codesOut == null) throw new IllegalArgumentException("capture with --sae: give --codes-out");
        }
        Model model = engine.model();
        int d = model.info().nEmbd();
        // Tokenize everything first: bad samples fail before any file is written.
        PassInput input = PassInput.tokenize(engine, ids, prompts, 0);
        PassSpec.Builder ps = PassSpec.builder(spec).batchSize(batch).outputs(sae == null ? Set.of(PassOutput.ROWS)
                : Set.of(PassOutput.ROWS, PassOutput.CODES));
        Map<Integer, Integer> codesK = new LinkedHashMap<>();
        if (sae != null) {
            ps.sae(spec.layers().get(0), sae);
            codesK.put(spec.layers().get(0), sae.sae().defaultK());
        }
        String fingerprint = fingerprint(engine, ids, prompts, spec, convention, sae);
        try (ActivationSink sink = new ActivationSink(out, codesOut, spec, convention, d, codesK, resume, fingerprint)) {
            int first = resume ? sink.resumeFrom() : 0;
            List<PassConsumer> consumers = new ArrayList<>(List.of(sink));
            if (progress != null) consumers.add(PassConsumer.progress(progress));
            if (first < input.size()) Pass.run(engine, ps.build(), input.from(first), consumers.toArray(PassConsumer[]::new));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "llama-sae-activations/1");
            meta.put("sample_ids", json(ids));
            meta.put("layer_convention", convention.label());
            meta.put("layers", json(spec.layers().stream().map(convention::fromBlock).toList()));
            meta.put("positions", spec.allPositions() ? "\"all\"" : json(spec.positions()));
            meta.put("generated_steps", json(spec.generatedSteps()));
            meta.put("model", model.path().getFileName().toString());
            meta.put("n_embd", Integer.toString(d));
            Map<String, String> codesMeta = new LinkedHashMap<>();
            if (sae != null) {
                codesMeta.put("format", "llama-sae-codes/1");
                codesMeta.put("sample_ids", json(ids));
                codesMeta.put("layer_convention", convention.label());
                codesMeta.put("activation", sae.sae().activation().id());
                codesMeta.put("n_latents", Integer.toString(sae.sae().numLatents()));
            }
            long rows = sink.rowsPerTensor();
            sink.commit(meta, codesMeta);
            return new Summary(out, prompts.size(), rows, tensorNames(spec, convention));
        } catch (IOException e) {
            throw new UncheckedIOException("capture: writing " + out + ": " + e.getMessage(), e);
        }
    }

    /** Tensor names of a spec, in file convention and the engine's block order. */
    public static List<String> tensorNames(CaptureSpec spec, LayerConvention convention) {
        List<String> names = new ArrayList<>();
        for (int block : spec.layers()) {
            for (RowBlock b : RowBlock.of(spec)) names.add(b.tensorName(block, convention));
        }
        return names;
    }

    /** What a resumed run must match: the model file, the prompts and ids, the spec and the SAE. */
    public static String fingerprint(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec, LayerConvention convention,
                                     NativeSae sae) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path model = engine.model().path();
            md.update((model.toAbsolutePath() + "|" + Files.size(model) + "|" + spec + "|" + convention).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < ids.size(); i++) {
                md.update((ids.get(i) + "\u0000" + prompts.get(i) + "\u0001").getBytes(StandardCharsets.UTF_8));
            }
            if (sae != null) {
                md.update((sae.sae().toString() + "|" + java.util.Arrays.hashCode(sae.sae().wEnc())).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("capture: cannot fingerprint the inputs: " + e.getMessage(), e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
