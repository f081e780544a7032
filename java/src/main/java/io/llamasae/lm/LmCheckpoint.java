package io.llamasae.lm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.SafetensorsWriter;
import io.llamasae.sae.safetensors.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in one safetensors file, written atomically (temp + rename): the
 * weights and both AdamW moments as F32 vectors, and in the metadata the step, the elapsed time,
 * the learning curve and what must match for a resume (architecture, training settings, data
 * fingerprint). The data order and learning rate are functions of (seed, step), so nothing else
 * is needed to continue exactly where the run stopped.
 *
 * @param step           optimizer steps done
 * @param elapsedSeconds wall time spent so far
 * @param curve          the learning curve up to {@code step}
 * @param identity       architecture, settings and data fingerprint; a resume must match it exactly
 */
public record LmCheckpoint(long step, double elapsedSeconds, List<CurvePoint> curve, String identity) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STATE = {"weights", "adam_m", "adam_v"};

    public LmCheckpoint {
        curve = List.copyOf(curve);
    }

    /** Writes this state and the model's weights and moments to {@code file}. */
    public void save(NativeLm lm, Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        FloatBuffer[] bufs = {lm.weights(), lm.adamM(), lm.adamV()};
        for (int i = 0; i < STATE.length; i++) {
            float[] v = new float[lm.nParams()];
            bufs[i].get(0, v);
            tensors.put(STATE[i], Tensor.ofFloats(v, v.length));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(step));
        meta.put("elapsed_seconds", Double.toString(elapsedSeconds));
        meta.put("identity", identity);
        meta.put("curve", JSON.writeValueAsString(curve));
        SafetensorsWriter.write(file, tensors, meta);
    }

    /**
     * Reads the state at {@code file} into {@code lm} after checking that it was written by a run
     * with the same {@code identity}.
     *
     * @throws IllegalArgumentException naming the file and the first difference when it does not match
     */
    public static LmCheckpoint load(Path file, NativeLm lm, String identity) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            Map<String, String> meta = r.metadata();
            String stored = meta.getOrDefault("identity", "");
            if (!stored.equals(identity)) {
                throw new IllegalArgumentException(file + ": identity: expected the checkpoint of this run (" + firstDifference(identity, stored)
                        + "); delete it or run with the settings and data it was written with");
            }
            FloatBuffer[] bufs = {lm.weights(), lm.adamM(), lm.adamV()};
            for (int i = 0; i < STATE.length; i++) {
                float[] v = r.readFloats(STATE[i]);
                if (v.length != lm.nParams()) {
                    throw new IllegalArgumentException(file + ": tensor " + STATE[i] + ": expected " + lm.nParams() + " values but found " + v.length);
                }
                bufs[i].put(0, v);
            }
            List<CurvePoint> curve;
            try {
                curve = JSON.readValue(meta.getOrDefault("curve", "[]"), new TypeReference<List<CurvePoint>>() {});
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": metadata curve: expected a JSON list of curve points but found: " + e.getOriginalMessage());
            }
            return new LmCheckpoint(Long.parseLong(meta.get("step")), Double.parseDouble(meta.getOrDefault("elapsed_seconds", "0")), curve,
                    stored);
        }
    }

    private static String firstDifference(String expected, String found) {
        String[] a = expected.split(" "), b = found.split(" ");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(nothing)", y = i < b.length ? b[i] : "(nothing)";
            if (!x.equals(y)) return "expected " + x + " but found " + y;
        }
        return "same";
    }
}
