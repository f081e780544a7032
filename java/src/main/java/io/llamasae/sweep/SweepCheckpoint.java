package io.llamasae.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checkpoints of a local sweep, so an interrupted run started again with the same inputs continues after its last
 * finished batch (like {@code capture --resume}). In {@code dir}: {@code state-<done>.ser}, the serialized
 * {@link SweepResult} after the first {@code done} samples, and {@code checkpoint.json} ({@code fingerprint},
 * {@code samples_done}, {@code state}) naming the state of the last checkpoint. The shard writers (codes,
 * activations) are resumable and checkpoint their own rows with the same state first; {@code checkpoint.json}
 * is written last (atomically), so it never names a state the writers have not reached. A crash between a
 * writer's checkpoint and {@code checkpoint.json} leaves a writer one batch ahead: such a folder is refused with
 * a message (delete it, and the writers' {@code .partial} folders, to start over).
 *
 * @param dir         the checkpoint folder (created on the first save)
 * @param fingerprint what a resumed run must match ({@link SweepRunner#fingerprint})
 * @param every       save after every {@code every}-th batch (and after the last)
 */
public final class SweepCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE = "checkpoint.json";

    private final Path dir;
    private final String fingerprint;
    private final int every;
    private int batches;

    public SweepCheckpoint(Path dir, String fingerprint, int every) {
        if (every < 1) throw new IllegalArgumentException("--checkpoint-every: expected >= 1 batches but found " + every);
        this.dir = dir;
        this.fingerprint = fingerprint;
        this.every = every;
    }

    public Path dir() {
        return dir;
    }

    /** A restored checkpoint: the samples done (dataset index one past the last) and the result so far. */
    public record Restored(int done, SweepResult result) {}

    /** The last checkpoint of these inputs, or null for a fresh start; refuses a checkpoint of other inputs. */
    public Restored restore(List<StreamingSafetensorsWriter> writers) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            for (StreamingSafetensorsWriter w : writers) {
                if (!w.resumedState().isEmpty()) {
                    throw new IllegalArgumentException(dir + ": a shard writer has a checkpoint but the sweep has none; delete the "
                            + ".partial folders beside the sweep's outputs to start over");
                }
            }
            return null;
        }
        JsonNode cp = JSON.readTree(file.toFile());
        if (!fingerprint.equals(cp.path("fingerprint").asText())) {
            throw new IllegalArgumentException(dir + " holds a checkpoint of other inputs (model, dataset, SAEs, layers, positions or "
                    + "options differ); delete it or run without --resume");
        }
        int done = cp.path("samples_done").asInt(-1);
        for (StreamingSafetensorsWriter w : writers) {
            String theirs = w.resumedState().get("samples_done");
            if (!Integer.toString(done).equals(theirs)) {
                throw new IllegalArgumentException(dir + ": the shard writers' checkpoint (" + theirs + " samples) and the sweep's ("
                        + done + ") disagree (interrupted between them); delete " + dir + " and the .partial folders to start over");
            }
        }
        Path state = dir.resolve(cp.path("state").asText());
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Files.readAllBytes(state)))) {
            return new Restored(done, (SweepResult) in.readObject());
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new IOException(state + ": expected a sweep checkpoint but found " + e.getMessage(), e);
        }
    }

    /** After a batch: saves every {@code every}-th time and always when {@code last}. */
    public void save(int done, SweepResult soFar, List<StreamingSafetensorsWriter> writers, boolean last) throws IOException {
        if (++batches % every != 0 && !last) return;
        Files.createDirectories(dir);
        String stateName = "state-" + done + ".ser";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(soFar);
        }
        AtomicFiles.writeBytes(dir.resolve(stateName), bytes.toByteArray());
        Map<String, String> state = new LinkedHashMap<>();
        state.put("fingerprint", fingerprint);
        state.put("samples_done", Integer.toString(done));
        for (StreamingSafetensorsWriter w : writers) w.checkpoint(state);
        Map<String, Object> cp = new LinkedHashMap<>(state);
        cp.put("samples_done", done);
        cp.put("state", stateName);
        AtomicFiles.writeBytes(dir.resolve(FILE), JSON.writeValueAsBytes(cp));
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("state-") && n.endsWith(".ser") && !n.equals(stateName)) Files.deleteIfExists(p);
            }
        }
    }

    /** Removes the checkpoints once the sweep's outputs are written. */
    public void delete() throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }
}
