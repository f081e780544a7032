package io.llamasae.analysis;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streaming, mergeable per-feature statistics over sparse Top-K codes.
 *
 * <p>Input per batch: {@code indices: [rows, k]} int32 and {@code values: [rows, k]} float32 (row-major),
 * plus {@code sampleIndex: [rows]} and {@code position: [rows]}. An entry is active iff its index is
 * {@code >= 0} and its value is non-zero (padding uses index −1). One row is one sample at one
 * position, so for a single (layer, position) analysis {@link #rowCount()} is the reference's
 * {@code n_samples}.
 *
 * <p>Determinism: sums are exact fixed-point ({@link ExactSum}), max is order-free and the top-N list
 * is a total order (|a| descending, then sample index, then position ascending), so any split of the
 * rows into batches or shards followed by {@link #merge} gives identical results. The native engine
 * accumulates with the same definitions inside the forward pass; {@link #mergePartial} adds its
 * per-run results bit for bit. Serializable, so shards computed elsewhere (Spark executors) travel
 * to the process that merges them.
 */
public final class FeatureStatistics implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_TOP_N = 100;

    private final int numFeatures;
    private final int topN;
    private long rows;
    private final long[] count;
    private final long[] sumAbs;   // 128-bit fixed point per feature
    private final long[] sum;      // 128-bit fixed point per feature
    private final float[] maxAbs;
    private final TopHeap[] heaps;
    private final ActivationHistogram[] histograms; // lazily allocated per live feature
    private transient long[] seenInRow; // duplicate-index guard: last row stamp per feature (scratch, rebuilt on use)
    private transient long rowStamp;

    public FeatureStatistics(int numFeatures) {
        this(numFeatures, DEFAULT_TOP_N);
    }

    public FeatureStatistics(int numFeatures, int topN) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException("numFeatures: expected >= 1 but found " + numFeatures);
        }
        if (topN < 1) {
            throw new IllegalArgumentException("topN: expected >= 1 but found " + topN);
        }
        this.numFeatures = numFeatures;
        this.topN = topN;
        this.count = new long[numFeatures];
        this.sumAbs = new long[2 * numFeatures];
        this.sum = new long[2 * numFeatures];
        this.maxAbs = new float[numFeatures];
        this.heaps = new TopHeap[numFeatures];
        this.histograms = new ActivationHistogram[numFeatures];
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int topN() {
        return topN;
    }

    /** Rows accumulated so far (the denominator of frequency and mean magnitude). */
    public long rowCount() {
        return rows;
    }

    /** Array form; see the class comment for shapes. {@code position} may be null (all 0). */
    public void accumulate(int[] indices, float[] values, int rows, int k, int[] sampleIndex, int[] position) {
        accumulate(IntBuffer.wrap(indices), FloatBuffer.wrap(values), rows, k, IntBuffer.wrap(sampleIndex),
                position == null ? null : IntBuffer.wrap(position));
    }

    /**
     * Buffer form (direct buffers from the engine work without copies); reads absolute positions 0..rows·k−1
     * and leaves the buffers' positions unchanged. {@code position} may be null (all 0).
     */
    public void accumulate(IntBuffer indices, FloatBuffer values, int rows, int k, IntBuffer sampleIndex, IntBuffer position) {
        if (rows < 0 || k < 1) {
            throw new IllegalArgumentException("shape: expected rows >= 0 and k >= 1 but found [" + rows + ", " + k + "]");
        }
        long need = Math.multiplyExact((long) rows, (long) k);
        if (indices.limit() < need || values.limit() < need) {
            throw new IllegalArgumentException("codes: expected indices and values with " + need + " entries ([" + rows + ", " + k
                    + "]) but found " + indices.limit() + " and " + values.limit());
        }
        if (sampleIndex.limit() < rows || (position != null && position.limit() < rows)) {
            throw new IllegalArgumentException("sampleIndex/position: expected " + rows + " entries but found "
                    + sampleIndex.limit() + (position == null ? "" : "/" + position.limit()));
        }
        validate(indices, values, rows, k, sampleIndex);
        // second pass: the batch is known to be valid, so a bad entry never leaves it half-counted
        for (int r = 0; r < rows; r++) {
            int sample = sampleIndex.get(r);
            int pos = position == null ? 0 : position.get(r);
            int base = r * k;
            for (int j = 0; j < k; j++) {
                int f = indices.get(base + j);
                float v = values.get(base + j);
                if (f < 0 || v == 0f) {
                    continue;
                }
                float a = Math.abs(v);
                count[f]++;
                ExactSum.addValue(sumAbs, f, a);
                ExactSum.addValue(sum, f, v);
                if (a > maxAbs[f]) {
                    maxAbs[f] = a;
                }
                heap(f).offer(a, v, sample, pos);
                histogram(f, true).add(v);
            }
        }
        this.rows += rows;
    }

    private void validate(IntBuffer indices, FloatBuffer values, int rows, int k, IntBuffer sampleIndex) {
        if (seenInRow == null) {
            seenInRow = new long[numFeatures];
            Arrays.fill(seenInRow, -1);
            rowStamp = 0;
        }
        for (int r = 0; r < rows; r++) {
            int sample = sampleIndex.get(r);
            if (sample < 0) {
                throw new IllegalArgumentException("sampleIndex[" + r + "]: expected >= 0 but found " + sample);
            }
            long stamp = rowStamp++;
            int base = r * k;
            for (int j = 0; j < k; j++) {
                int f = indices.get(base + j);
                float v = values.get(base + j);
                if (f < -1) {
                    // -1 marks an unused slot; anything more negative is corrupt data, not "inactive"
                    throw new IllegalArgumentException("indices[" + r + ", " + j + "]: expected a feature in [0, " + numFeatures
                            + ") or -1 (an unused slot) but found " + f);
                }
                if (f < 0 || v == 0f) {
                    continue;
                }
                if (f >= numFeatures) {
                    throw new IllegalArgumentException("indices[" + r + ", " + j + "]: expected a feature in [0, " + numFeatures
                            + ") but found " + f);
                }
                if (!Float.isFinite(v) || Math.abs(v) >= ExactSum.MAX_ABS) {
                    throw new IllegalArgumentException("values[" + r + ", " + j + "]: expected a finite activation below "
                            + "2^64 in magnitude but found " + v);
                }
                if (seenInRow[f] == stamp) {
                    throw new IllegalArgumentException("indices[" + r + "]: feature " + f + " appears twice in one row");
                }
                seenInRow[f] = stamp;
            }
        }
    }

    /** Adds {@code other} (same feature count and top-N) into this; returns this. */
    public FeatureStatistics merge(FeatureStatistics other) {
        if (other.numFeatures != numFeatures || other.topN != topN) {
            throw new IllegalArgumentException("merge: expected " + numFeatures + " features / top " + topN + " but found "
                    + other.numFeatures + " / " + other.topN);
        }
        rows += other.rows;
        for (int f = 0; f < numFeatures; f++) {
            count[f] += other.count[f];
            ExactSum.addPair(sumAbs, f, other.sumAbs[2 * f], other.sumAbs[2 * f + 1]);
            ExactSum.addPair(sum, f, other.sum[2 * f], other.sum[2 * f + 1]);
            maxAbs[f] = Math.max(maxAbs[f], other.maxAbs[f]);
            if (other.histograms[f] != null) {
                histogram(f, true).merge(other.histograms[f]);
            }
            TopHeap o = other.heaps[f];
            if (o != null) {
                for (int i = 0; i < o.size; i++) {
                    heap(f).offer(o.abs[i], o.act[i], o.sample[i], o.pos[i]);
                }
            }
        }
        return this;
    }

    /**
     * Adds statistics accumulated elsewhere with this class's definitions (the native engine's
     * statistics of one run of one (layer, position)): {@code rows} rows, and for each listed feature
     * {@code features[i]} its active count, exact sums as {@link ExactSum} words ({@code sumAbs, sum:
     * [2n]} high, low), max |a| and its kept top entries {@code [topOffset[i], topOffset[i+1])}
     * (signed value, sample = {@code sampleBase} + the entry's run-local sample, position) and its
     * histogram entries {@code [histOffset[i], histOffset[i+1])} (bin keys of
     * {@link ActivationHistogram#addToBin} and counts). Reads absolute positions, leaves the buffers'
     * positions unchanged. Equivalent to accumulating the same rows here (bit for bit), as long as the
     * partial kept at least this object's top-N per feature.
     */
    public void mergePartial(long rows, IntBuffer features, LongBuffer count, LongBuffer sumAbs, LongBuffer sum, FloatBuffer maxAbs,
                             IntBuffer topOffset, FloatBuffer topValue, IntBuffer topSample, IntBuffer topPosition, IntBuffer histOffset,
                             IntBuffer histKey, LongBuffer histCount, int sampleBase) {
        int n = features.limit();
        for (int i = 0; i < n; i++) {
            int f = check(features.get(i));
            this.count[f] += count.get(i);
            ExactSum.addPair(this.sumAbs, f, sumAbs.get(2 * i), sumAbs.get(2 * i + 1));
            ExactSum.addPair(this.sum, f, sum.get(2 * i), sum.get(2 * i + 1));
            this.maxAbs[f] = Math.max(this.maxAbs[f], maxAbs.get(i));
            for (int e = topOffset.get(i); e < topOffset.get(i + 1); e++) {
                float v = topValue.get(e);
                heap(f).offer(Math.abs(v), v, Math.addExact(sampleBase, topSample.get(e)), topPosition.get(e));
            }
            for (int e = histOffset.get(i); e < histOffset.get(i + 1); e++) {
                histogram(f, true).addToBin(histKey.get(e), histCount.get(e));
            }
        }
        this.rows += rows;
    }

    /**
     * Serialized as flat arrays ({@link SerializedForm}) rather than one object per feature's heap: a sweep's result
     * holds layers × latents heaps, and the driver that merges partitions deserializes them all.
     */
    private Object writeReplace() {
        return new SerializedForm(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("FeatureStatistics is read through its serialized form");
    }

    /** The serialization proxy: counters as they are, the heaps concatenated (in heap order) with their sizes. */
    private static final class SerializedForm implements Serializable {
        private static final long serialVersionUID = 2L;
        private final int numFeatures;
        private final int topN;
        private final long rows;
        private final long[] count;
        private final long[] sumAbs;
        private final long[] sum;
        private final float[] maxAbs;
        private final int[] histBins;       // occupied histogram bins per feature
        private final short[] histKey;      // their keys (ActivationHistogram.addToBin), feature by feature
        private final int[] histCount;
        private final int[] heapSize;
        private final float[] abs;
        private final float[] act;
        private final int[] sample;
        private final int[] pos;

        SerializedForm(FeatureStatistics s) {
            numFeatures = s.numFeatures;
            topN = s.topN;
            rows = s.rows;
            count = s.count;
            sumAbs = s.sumAbs;
            sum = s.sum;
            maxAbs = s.maxAbs;
            // Histograms as their occupied bins only: dense bins were 60 % of a 16k-latent layer's serialized result.
            histBins = new int[numFeatures];
            int bins = 0;
            for (int f = 0; f < numFeatures; f++) {
                histBins[f] = s.histograms[f] == null ? 0 : s.histograms[f].occupiedBins();
                bins += histBins[f];
            }
            histKey = new short[bins];
            histCount = new int[bins];
            int[] b = {0};
            for (int f = 0; f < numFeatures; f++) {
                if (s.histograms[f] == null) continue;
                s.histograms[f].forEachOccupied((key, c) -> {
                    histKey[b[0]] = (short) key;
                    histCount[b[0]++] = c;
                });
            }
            heapSize = new int[numFeatures];
            int total = 0;
            for (int f = 0; f < numFeatures; f++) {
                heapSize[f] = s.heaps[f] == null ? 0 : s.heaps[f].size;
                total += heapSize[f];
            }
            abs = new float[total];
            act = new float[total];
            sample = new int[total];
            pos = new int[total];
            int at = 0;
            for (int f = 0; f < numFeatures; f++) {
                TopHeap h = s.heaps[f];
                if (h == null) continue;
                System.arraycopy(h.abs, 0, abs, at, h.size);
                System.arraycopy(h.act, 0, act, at, h.size);
                System.arraycopy(h.sample, 0, sample, at, h.size);
                System.arraycopy(h.pos, 0, pos, at, h.size);
                at += h.size;
            }
        }

        private Object readResolve() throws java.io.ObjectStreamException {
            if (numFeatures < 1 || topN < 1 || count.length != numFeatures || heapSize.length != numFeatures
                    || histBins.length != numFeatures || histKey.length != histCount.length) {
                throw new java.io.InvalidObjectException("FeatureStatistics: inconsistent serialized form");
            }
            FeatureStatistics s = new FeatureStatistics(numFeatures, topN);
            s.rows = rows;
            System.arraycopy(count, 0, s.count, 0, numFeatures);
            System.arraycopy(sumAbs, 0, s.sumAbs, 0, sumAbs.length);
            System.arraycopy(sum, 0, s.sum, 0, sum.length);
            System.arraycopy(maxAbs, 0, s.maxAbs, 0, numFeatures);
            int bin = 0;
            for (int f = 0; f < numFeatures; f++) {
                if (histBins[f] < 0 || bin + histBins[f] > histKey.length) {
                    throw new java.io.InvalidObjectException("FeatureStatistics: histogram bins of feature " + f + " out of range");
                }
                for (int i = 0; i < histBins[f]; i++, bin++) {
                    try {
                        s.histogram(f, true).addToBin(histKey[bin], histCount[bin]);
                    } catch (IllegalArgumentException e) {
                        throw new java.io.InvalidObjectException("FeatureStatistics: feature " + f + ": " + e.getMessage());
                    }
                }
            }
            int at = 0;
            for (int f = 0; f < numFeatures; f++) {
                int n = heapSize[f];
                if (n == 0) continue;
                if (n > topN) throw new java.io.InvalidObjectException("FeatureStatistics: heap of feature " + f + " exceeds top-N");
                TopHeap h = new TopHeap(topN);
                h.abs = Arrays.copyOfRange(abs, at, at + n);      // already in heap order
                h.act = Arrays.copyOfRange(act, at, at + n);
                h.sample = Arrays.copyOfRange(sample, at, at + n);
                h.pos = Arrays.copyOfRange(pos, at, at + n);
                h.size = n;
                s.heaps[f] = h;
                at += n;
            }
            return s;
        }
    }

    public long activeCount(int f) {
        return count[check(f)];
    }

    public double sumAbs(int f) {
        return ExactSum.toDouble(sumAbs, check(f));
    }

    public double sum(int f) {
        return ExactSum.toDouble(sum, check(f));
    }

    public float maxAbs(int f) {
        return maxAbs[check(f)];
    }

    public FeatureSummary summary(int f) {
        check(f);
        long c = count[f];
        double sa = sumAbs(f);
        double s = sum(f);
        return new FeatureSummary(f, c, rows == 0 ? 0 : (double) c / rows, rows == 0 ? 0 : sa / rows,
                c == 0 ? 0 : sa / c, c == 0 ? 0 : s / c, maxAbs[f]);
    }

    /** The feature's strongest rows, best first (|a| descending, then sample index, then position ascending). */
    public List<TopSample> topSamples(int f) {
        TopHeap h = heaps[check(f)];
        if (h == null) {
            return List.of();
        }
        Integer[] order = new Integer[h.size];
        for (int i = 0; i < h.size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> h.better(x, y) ? -1 : h.better(y, x) ? 1 : 0);
        List<TopSample> out = new ArrayList<>(h.size);
        for (int i : order) {
            out.add(new TopSample(h.sample[i], h.pos[i], h.act[i]));
        }
        return out;
    }

    /** Histogram of the feature's non-zero activations (empty when never active; do not modify). */
    public ActivationHistogram histogram(int f) {
        ActivationHistogram h = histograms[check(f)];
        return h == null ? new ActivationHistogram() : h;
    }

    private int check(int f) {
        if (f < 0 || f >= numFeatures) {
            throw new IndexOutOfBoundsException("feature: expected [0, " + numFeatures + ") but found " + f);
        }
        return f;
    }

    private ActivationHistogram histogram(int f, boolean create) {
        ActivationHistogram h = histograms[f];
        if (h == null && create) {
            h = new ActivationHistogram();
            histograms[f] = h;
        }
        return h;
    }

    private TopHeap heap(int f) {
        TopHeap h = heaps[f];
        if (h == null) {
            h = new TopHeap(topN);
            heaps[f] = h;
        }
        return h;
    }

    /** Bounded min-heap on primitive arrays; the root is the weakest kept entry. */
    private static final class TopHeap {
        final int capacity;
        float[] abs;
        float[] act;
        int[] sample;
        int[] pos;
        int size;

        /** Starts small and grows to {@code capacity}: wide dictionaries have many rarely active features. */
        TopHeap(int capacity) {
            this.capacity = capacity;
            int initial = Math.min(capacity, 8);
            abs = new float[initial];
            act = new float[initial];
            sample = new int[initial];
            pos = new int[initial];
        }

        private void grow() {
            int n = Math.min(capacity, abs.length * 2);
            abs = Arrays.copyOf(abs, n);
            act = Arrays.copyOf(act, n);
            sample = Arrays.copyOf(sample, n);
            pos = Arrays.copyOf(pos, n);
        }

        /** Entry i ranks above entry j. */
        boolean better(int i, int j) {
            return better(abs[i], sample[i], pos[i], abs[j], sample[j], pos[j]);
        }

        static boolean better(float a1, int s1, int p1, float a2, int s2, int p2) {
            if (a1 != a2) {
                return a1 > a2;
            }
            if (s1 != s2) {
                return s1 < s2;
            }
            return p1 < p2;
        }

        void offer(float a, float v, int s, int p) {
            if (size < capacity) {
                if (size == abs.length) {
                    grow();
                }
                set(size, a, v, s, p);
                siftUp(size++);
            } else if (better(a, s, p, abs[0], sample[0], pos[0])) {
                set(0, a, v, s, p);
                siftDown(0);
            }
        }

        private void set(int i, float a, float v, int s, int p) {
            abs[i] = a;
            act[i] = v;
            sample[i] = s;
            pos[i] = p;
        }

        private void swap(int i, int j) {
            float ta = abs[i]; abs[i] = abs[j]; abs[j] = ta;
            float tv = act[i]; act[i] = act[j]; act[j] = tv;
            int ts = sample[i]; sample[i] = sample[j]; sample[j] = ts;
            int tp = pos[i]; pos[i] = pos[j]; pos[j] = tp;
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (better(parent, i)) {
                    swap(parent, i);
                    i = parent;
                } else {
                    return;
                }
            }
        }

        private void siftDown(int i) {
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int w = i;
                if (l < size && better(w, l)) {
                    w = l;
                }
                if (r < size && better(w, r)) {
                    w = r;
                }
                if (w == i) {
                    return;
                }
                swap(i, w);
                i = w;
            }
        }
    }
}
