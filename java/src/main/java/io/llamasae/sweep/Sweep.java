package io.llamasae.sweep;

import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.dashboard.ContextPass;
import io.llamasae.dashboard.DashboardOptions;
import io.llamasae.dashboard.DashboardWriter;
import io.llamasae.dashboard.FeatureDashboard;
import io.llamasae.dashboard.TokenText;
import io.llamasae.data.Sample;
import io.llamasae.engine.RowBlock;
import io.llamasae.sae.Sae;
import io.llamasae.scaleout.LoadedEngine;
import io.llamasae.scaleout.PartitionInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * The steps of a sweep that run in this process: the whole dataset as one partition of the {@link SweepRunner} (the
 * same runner a Spark job runs per partition), and the feature dashboard of every (layer, position).
 */
public final class Sweep {
    /** The checkpoint folder of a resumable local sweep, inside its output folder. */
    public static final String PARTIAL = ".sweep.partial";

    private Sweep() {}

    /** What a local run wrote besides its result: the shard files (codes, activations) and the checkpoint to delete. */
    public record Local(SweepResult result, List<Path> files, SweepCheckpoint checkpoint) {
        /** Removes the checkpoint once the outputs it fed are written. */
        public void finish() throws IOException {
            if (checkpoint != null) checkpoint.delete();
        }
    }

    /**
     * Runs {@code runner} over the whole dataset in this process. Codes and activations (when the spec asks for them)
     * go to {@code out/codes.safetensors} and {@code out/activations.safetensors}. With {@code resume}, every
     * {@code checkpointEvery}-th batch is checkpointed in {@code out/.sweep.partial/} and an interrupted run started
     * again with the same inputs continues after its last checkpoint.
     *
     * @param progress finished prompts after each batch (may be null)
     */
    public static Local runLocal(SweepRunner runner, LoadedEngine engine, List<String> ids, List<String> prompts, Path out, String subDir,
                                 boolean resume, int checkpointEvery, IntConsumer progress) throws IOException {
        PartitionInput whole = new PartitionInput(0, 0, ids, prompts);
        Path dir = subDir.isEmpty() ? out : out.resolve(subDir);
        SweepCheckpoint checkpoint = resume ? new SweepCheckpoint(dir.resolve(PARTIAL), runner.fingerprint(engine, whole), checkpointEvery)
                : null;
        try (LocalShards shards = new LocalShards(dir, resume)) {
            SweepResult r = runner.run(engine, whole, shards, checkpoint, progress);
            List<Path> files = shards.commit();
            return new Local(r, files, checkpoint);
        }
    }

    /**
     * Writes {@code dir/dashboard/}: one section per (layer, position) of the sweep, from one context pass over the
     * samples any section shows (every block at once).
     */
    public static Path writeDashboard(Path dir, LoadedEngine engine, SweepSpec spec, SweepResult result, List<Sample> samples,
                                      SweepReport.Settings settings, DashboardOptions o, String title) throws IOException {
        SortedSet<Integer> wanted = new TreeSet<>();
        for (int block : spec.blocks()) {
            for (int p : spec.positions()) wanted.addAll(FeatureDashboard.contextSamples(result.pass().statistics(block, RowBlock.position(p)), o));
        }
        ContextPass.Result ctx = ContextPass.run(engine.engine(), engine.saes(), samples, wanted, o.batch());
        Map<Integer, String> texts = new HashMap<>();
        IntFunction<String> text = id -> texts.computeIfAbsent(id, t -> TokenText.of(engine.model(), t));
        Path dashboard = dir.resolve("dashboard");
        for (int block : spec.blocks()) {
            Sae sae = engine.saes().get(block).sae();
            int layer = spec.layerNames().get(block);
            for (int p : spec.positions()) {
                FeatureStatistics stats = result.pass().statistics(block, RowBlock.position(p));
                FeatureDashboard.Section s = FeatureDashboard.build(new FeatureDashboard.SectionSource(block,
                        SweepReport.studyConfig(settings, layer, p, sae), stats, sae, engine.model().path(), text), samples, ctx, null, o);
                DashboardWriter.writeSection(dashboard, s);   // one section in memory at a time
            }
        }
        return DashboardWriter.writeSite(dashboard, title);
    }
}
