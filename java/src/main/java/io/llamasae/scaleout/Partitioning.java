package io.llamasae.scaleout;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a dataset into contiguous sample-index ranges whose boundaries are multiples of the engine batch.
 *
 * <p>Why whole batches: prompts run together in one decode call share a KV cache, and where a prompt sits in the
 * packed call can change how llama.cpp's kernels group their sums (the last bits of its rows). A partition that starts
 * on a batch boundary runs exactly the batches a single-process run over the whole dataset runs, so its codes,
 * statistics and metrics are bit-identical to that run's, for any number of partitions.
 */
public final class Partitioning {
    private Partitioning() {}

    /** A range of samples {@code [first, end)}. */
    public record Range(int index, int first, int end) {
        public int size() {
            return end - first;
        }
    }

    /**
     * {@code min(partitions, batches)} ranges covering {@code [0, samples)}; batches are spread evenly (the first
     * {@code batches % n} ranges get one batch more). Depends only on its arguments.
     */
    public static List<Range> ranges(int samples, int batch, int partitions) {
        if (samples < 1) {
            throw new IllegalArgumentException("dataset: expected at least one sample but found " + samples);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: expected >= 1 but found " + batch);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions: expected >= 1 but found " + partitions);
        }
        int batches = (samples + batch - 1) / batch;
        int n = Math.min(partitions, batches);
        List<Range> out = new ArrayList<>(n);
        int firstBatch = 0;
        for (int p = 0; p < n; p++) {
            int count = batches / n + (p < batches % n ? 1 : 0);
            int first = firstBatch * batch;
            int end = Math.min(samples, (firstBatch + count) * batch);
            out.add(new Range(p, first, end));
            firstBatch += count;
        }
        return out;
    }

    /** The partitions' inputs: {@link #ranges} applied to the samples' ids and prompts. */
    public static List<PartitionInput> inputs(List<String> ids, List<String> prompts, int batch, int partitions) {
        if (ids.size() != prompts.size()) {
            throw new IllegalArgumentException("dataset: expected one id per prompt but found " + ids.size() + " ids and " + prompts.size()
                    + " prompts");
        }
        List<PartitionInput> out = new ArrayList<>();
        for (Range r : ranges(prompts.size(), batch, partitions)) {
            out.add(new PartitionInput(r.index(), r.first(), ids.subList(r.first(), r.end()), prompts.subList(r.first(), r.end())));
        }
        return out;
    }
}
