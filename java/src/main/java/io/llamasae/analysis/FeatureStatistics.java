package io.llamasae.analysis;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
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
 * rows into batches or shards followed by {@link #merge} gives identical results.
 */
public final class FeatureStatistics {
    public static final int DEFAULT_TOP_N = 100;

    private final int numFeatures;
    private final int topN;
    private long rows;
    private final long[] count;
    private final long[] sumAbs;   // 128-bit fixed point per feature
    private final long[] sum;      // 128-bit fixed point per feature
    private final float[] maxAbs;
    private final TopHeap[] heaps;
    private final long[] seenInRow; // duplicate-index guard: last row stamp per feature
    private long rowStamp;

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
        this.seenInRow = new long[numFeatures];
        Arrays.fill(seenInRow, -1);
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
                ExactSum.add(sumAbs, f, ExactSum.toFixed(a));
                ExactSum.add(sum, f, ExactSum.toFixed(v));
                if (a > maxAbs[f]) {
                    maxAbs[f] = a;
                }
                heap(f).offer(a, v, sample, pos);
            }
        }
        this.rows += rows;
    }

    private void validate(IntBuffer indices, FloatBuffer values, int rows, int k, IntBuffer sampleIndex) {
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
                            + ExactSum.MAX_ABS + " in magnitude but found " + v);
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
            TopHeap o = other.heaps[f];
            if (o != null) {
                for (int i = 0; i < o.size; i++) {
                    heap(f).offer(o.abs[i], o.act[i], o.sample[i], o.pos[i]);
                }
            }
        }
        return this;
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

    private int check(int f) {
        if (f < 0 || f >= numFeatures) {
            throw new IndexOutOfBoundsException("feature: expected [0, " + numFeatures + ") but found " + f);
        }
        return f;
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
