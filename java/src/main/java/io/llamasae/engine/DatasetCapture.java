package io.llamasae.engine;

import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Captures a dataset's residual-stream rows into a safetensors file, streaming: prompts go through
 * the engine a batch at a time and each batch's rows are appended to the file's tensors, so
 * datasets larger than memory work.
 *
 * <p>File layout (the project's activation-file convention): one F32 tensor per (layer, position)
 * named {@code layer{L}.pos{P}} of shape [N, n_embd], L in the chosen layer convention and P as
 * the user wrote it (e.g. {@code pos3}, {@code pos-1}); with all positions, {@code layer{L}.posall}
 * [total tokens, n_embd] plus {@code posall.sample_index} and {@code posall.position} (I32 [total]).
 * {@code __metadata__} holds {@code sample_ids} (JSON list), {@code layer_convention}, {@code model},
 * {@code layers}, {@code positions} and {@code n_embd}.
 */
public final class DatasetCapture {
    private DatasetCapture() {}

    /** What a capture wrote. */
    public record Summary(Path file, int samples, long rowsPerTensor, List<String> tensors) {}

    /**
     * Tokenizes and captures {@code prompts} (ids are the sample ids, same order) into {@code out}.
     *
     * @param batch    prompts per engine run
     * @param progress called with the number of samples done after each batch (may be null)
     */
    public static Summary toSafetensors(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec,
                                        LayerConvention convention, Path out, int batch, IntConsumer progress) {
        return toSafetensors(engine, ids, prompts, spec, convention, out, batch, progress, null, null, false);
    }

    /**
     * As above; when {@code sae} is given it is attached to the (single) captured layer and its
     * codes, computed inside the forward pass, are streamed to {@code codesOut} as
     * {@code layer{L}.pos{P}.indices} (I32 [N, k]) and {@code .values} (F32 [N, k]).
     * With {@code resume}, spills live in {@code <out>.partial/} and are checkpointed after every
     * batch; a run interrupted for any reason continues from its last checkpoint when started again
     * with the same inputs (a different model, dataset or spec is refused).
     */
    public static Summary toSafetensors(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec,
                                        LayerConvention convention, Path out, int batch, IntConsumer progress, NativeSae sae,
                                        Path codesOut, boolean resume) {
        if (ids.size() != prompts.size()) throw new IllegalArgumentException("ids and prompts differ in length");
        if (prompts.isEmpty()) throw new IllegalArgumentException("capture: the dataset has no samples");
        if (spec.layers().isEmpty()) throw new IllegalArgumentException("capture: no layers to capture");
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
        Model model = engine.model();
        int d = model.info().nEmbd();
        boolean addBos = model.info().addBos();

        // Tokenize everything first: bad samples fail before any file is written.
        List<int[]> tokens = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String p = prompts.get(i);
            if (p.isEmpty()) throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt: expected text but found an empty prompt");
            int[] t = model.tokenize(p, addBos);
            if (t.length > engine.contextSize()) {
                throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt: expected at most the " + engine.contextSize()
                        + " tokens of the context (raise --ctx) but found " + t.length + " tokens");
            }
            tokens.add(t);
        }

        engine.setCapture(spec);
        List<String> names = tensorNames(spec, convention);
        if (sae != null) {
            if (spec.layers().size() != 1) throw new IllegalArgumentException("capture with --sae: give exactly one layer");
            if (codesOut == null) throw new IllegalArgumentException("capture with --sae: give --codes-out");
            engine.attachSae(spec.layers().get(0), sae, 0);
        }
        int k = sae == null ? 0 : sae.sae().defaultK();
        String fingerprint = fingerprint(engine, ids, prompts, spec, convention, sae);
        try (StreamingSafetensorsWriter w = resume ? StreamingSafetensorsWriter.resumable(out) : new StreamingSafetensorsWriter(out);
             StreamingSafetensorsWriter cw = sae == null ? null
                     : resume ? StreamingSafetensorsWriter.resumable(codesOut) : new StreamingSafetensorsWriter(codesOut)) {
            for (String n : names) w.declare(n, DType.F32, d);
            if (cw != null) {
                for (String n : names) {
                    cw.declare(n + ".indices", DType.I32, k);
                    cw.declare(n + ".values", DType.F32, k);
                }
            }
            if (spec.allPositions()) {
                w.declare("posall.sample_index", DType.I32);
                w.declare("posall.position", DType.I32);
            }
            int maxStep = spec.maxGeneratedStep();
            int first = resume ? resumeFrom(w, cw, fingerprint, out) : 0;
            for (int start = first; start < tokens.size(); start += batch) {
                int end = Math.min(tokens.size(), start + batch);
                // Generated steps need generation (greedy, one token past the last captured step).
                RunResult r = maxStep > 0 ? engine.generate(tokens.subList(start, end), GenerationOptions.greedy(maxStep + 1)).captured()
                        : engine.run(tokens.subList(start, end));
                append(w, r, spec, names, start, d);
                if (cw != null) appendCodes(cw, r, spec, names, k);
                if (resume) {
                    // codes first: a crash between the two leaves the activations' checkpoint behind, never ahead
                    Map<String, String> state = Map.of("fingerprint", fingerprint, "samples_done", Integer.toString(end));
                    if (cw != null) cw.checkpoint(state);
                    w.checkpoint(state);
                }
                if (progress != null) progress.accept(end);
            }
            w.putMetadata("format", "llama-sae-activations/1");
            w.putMetadata("sample_ids", json(ids));
            w.putMetadata("layer_convention", convention.label());
            w.putMetadata("layers", json(spec.layers().stream().map(convention::fromBlock).toList()));
            w.putMetadata("positions", spec.allPositions() ? "\"all\"" : json(spec.positions()));
            w.putMetadata("generated_steps", json(spec.generatedSteps()));
            w.putMetadata("model", model.path().getFileName().toString());
            w.putMetadata("n_embd", Integer.toString(d));
            long rows = w.rows(names.get(0));
            if (cw != null) {
                cw.putMetadata("format", "llama-sae-codes/1");
                cw.putMetadata("sample_ids", json(ids));
                cw.putMetadata("layer_convention", convention.label());
                cw.putMetadata("activation", sae.sae().activation().id());
                cw.putMetadata("n_latents", Integer.toString(sae.sae().numLatents()));
                cw.commit();
            }
            w.commit();
            return new Summary(out, prompts.size(), rows, names);
        } catch (IOException e) {
            throw new UncheckedIOException("capture: writing " + out + ": " + e.getMessage(), e);
        }
    }

    /** Samples already captured by an interrupted run (0 for a fresh start); refuses other inputs. */
    private static int resumeFrom(StreamingSafetensorsWriter w, StreamingSafetensorsWriter cw, String fingerprint, Path out) {
        Map<String, String> st = w.resumedState();
        if (st.isEmpty()) return 0;
        Path partial = StreamingSafetensorsWriter.partialDir(out);
        if (!fingerprint.equals(st.get("fingerprint"))) {
            throw new IllegalArgumentException(partial + ": expected the checkpoint of a capture of the same inputs but it holds one of "
                    + "other inputs (model, dataset, layers, positions or SAE differ); delete it or run without --resume");
        }
        if (cw != null && !st.equals(cw.resumedState())) {
            throw new IllegalArgumentException(partial + ": expected the same checkpoint as the codes' partial folder but they disagree "
                    + "(interrupted between their checkpoints); delete both to start over");
        }
        return Integer.parseInt(st.get("samples_done"));
    }

    /** What a resumed run must match: the model file, the prompts and ids, the spec and the SAE. */
    private static String fingerprint(Engine engine, List<String> ids, List<String> prompts, CaptureSpec spec, LayerConvention convention,
                                      NativeSae sae) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            Path model = engine.model().path();
            md.update((model.toAbsolutePath() + "|" + java.nio.file.Files.size(model) + "|" + spec + "|" + convention).getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < ids.size(); i++) {
                md.update((ids.get(i) + "\u0000" + prompts.get(i) + "\u0001").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (sae != null) {
                md.update((sae.sae().toString() + "|" + java.util.Arrays.hashCode(sae.sae().wEnc())).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("capture: cannot fingerprint the inputs: " + e.getMessage(), e);
        }
    }

    /** Tensor names of a spec, in file convention. */
    public static List<String> tensorNames(CaptureSpec spec, LayerConvention convention) {
        List<String> names = new ArrayList<>();
        for (int block : spec.layers()) {
            int layer = convention.fromBlock(block);
            if (spec.allPositions()) {
                names.add("layer" + layer + ".posall");
            } else {
                for (int p : spec.positions()) names.add("layer" + layer + ".pos" + p);
                for (int g : spec.generatedSteps()) names.add("layer" + layer + ".posg" + g);
            }
        }
        return names;
    }

    /** Codes rows follow the same order as the activation rows (see {@link #append}). */
    private static void appendCodes(StreamingSafetensorsWriter w, RunResult r, CaptureSpec spec, List<String> names, int k)
            throws IOException {
        RunResult.Codes c = r.codes(0);
        int nRows = Math.toIntExact(r.nRows());
        int[] idx = new int[nRows * k];
        float[] val = new float[nRows * k];
        c.indices().get(idx);
        c.values().get(val);
        if (spec.allPositions()) {
            w.appendRows(names.get(0) + ".indices", idx, 0, idx.length);
            w.appendRows(names.get(0) + ".values", val, 0, val.length);
            return;
        }
        int perLayer = perPromptTensors(spec);
        int nPrompts = r.nPrompts();
        int[] pi = new int[nPrompts * k];
        float[] pv = new float[nPrompts * k];
        for (int t = 0; t < perLayer; t++) {
            for (int p = 0; p < nPrompts; p++) {
                System.arraycopy(idx, rowOf(spec, nPrompts, p, t) * k, pi, p * k, k);
                System.arraycopy(val, rowOf(spec, nPrompts, p, t) * k, pv, p * k, k);
            }
            w.appendRows(names.get(t) + ".indices", pi, 0, pi.length);
            w.appendRows(names.get(t) + ".values", pv, 0, pv.length);
        }
    }

    private static void append(StreamingSafetensorsWriter w, RunResult r, CaptureSpec spec, List<String> names, int firstSample,
                               int d) throws IOException {
        int nRows = Math.toIntExact(r.nRows());
        if (spec.allPositions()) {
            int[] sample = new int[nRows];
            int[] pos = new int[nRows];
            IntBuffer prompts = r.rowPrompts();
            for (int i = 0; i < nRows; i++) sample[i] = firstSample + prompts.get(i);
            r.rowPositions().get(pos);
            w.appendRows("posall.sample_index", sample, 0, nRows);
            w.appendRows("posall.position", pos, 0, nRows);
            for (int slot = 0; slot < spec.layers().size(); slot++) {
                float[] rows = new float[nRows * d];
                r.rows(slot).get(rows);
                w.appendRows(names.get(slot), rows, 0, rows.length);
            }
            return;
        }
        int perLayer = perPromptTensors(spec);
        int nPrompts = r.nPrompts();
        float[] rows = new float[nPrompts * d];
        for (int slot = 0; slot < spec.layers().size(); slot++) {
            FloatBuffer all = r.rows(slot);
            for (int t = 0; t < perLayer; t++) {
                for (int p = 0; p < nPrompts; p++) all.get(rowOf(spec, nPrompts, p, t) * d, rows, p * d, d);
                w.appendRows(names.get(slot * perLayer + t), rows, 0, rows.length);
            }
        }
    }

    /** Tensors per layer: one per prompt position, then one per generated step. */
    private static int perPromptTensors(CaptureSpec spec) {
        return spec.positions().size() + spec.generatedSteps().size();
    }

    /**
     * The engine's row of prompt {@code p} for per-layer tensor {@code t}: prompt-position rows come
     * prompt by prompt (row p·nPos + j), generated-step rows after all of them (nPrompts·nPos + p·nG + q).
     */
    private static int rowOf(CaptureSpec spec, int nPrompts, int p, int t) {
        int nPos = spec.positions().size();
        if (t < nPos) return p * nPos + t;
        return nPrompts * nPos + p * spec.generatedSteps().size() + (t - nPos);
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
