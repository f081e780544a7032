package io.llamasae.sae;

/**
 * Selects the k best candidates by (key descending, index ascending) with a bounded binary
 * min-heap: O(F log k) per row, no allocation after construction. Reused per thread.
 */
public final class TopKSelector {
    private final int[] heap;   // latent indices; heap[0] is the worst kept candidate
    private final float[] keys; // keys by latent index, set per row by the caller
    private int size;

    /** A selector for up to {@code capacity} slots over keys of length {@code numLatents}. */
    public TopKSelector(int capacity, int numLatents) {
        this.heap = new int[Math.max(capacity, 1)];
        this.keys = new float[numLatents];
    }

    /** The key array to fill before {@link #select}: keys[f] for every latent f. */
    public float[] keys() {
        return keys;
    }

    /**
     * Selects up to k latents among those with {@code eligible == null || eligible[f]}, writing them
     * sorted best-first to {@code out[0..]}; returns how many were written (less than k only when
     * fewer are eligible).
     */
    public int select(int k, boolean[] eligible, int[] out) {
        size = 0;
        int nl = keys.length;
        for (int f = 0; f < nl; f++) {
            if (eligible != null && !eligible[f]) {
                continue;
            }
            if (size < k) {
                heap[size] = f;
                siftUp(size++);
            } else if (better(f, heap[0])) {
                heap[0] = f;
                siftDown(0);
            }
        }
        int m = size;
        // Pop worst-first into the tail of out, giving best-first order.
        for (int j = m - 1; j >= 0; j--) {
            out[j] = heap[0];
            heap[0] = heap[--size];
            siftDown(0);
        }
        return m;
    }

    /** True when latent a ranks before latent b: larger key, or equal key and lower index. */
    private boolean better(int a, int b) {
        float ka = keys[a];
        float kb = keys[b];
        return ka > kb || (ka == kb && a < b);
    }

    private void siftUp(int i) {
        int x = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!better(heap[p], x)) {
                break;
            }
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = x;
    }

    private void siftDown(int i) {
        if (size == 0) {
            return;
        }
        int x = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && better(heap[c], heap[r])) {
                c = r; // pick the worse child
            }
            if (!better(x, heap[c])) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = x;
    }
}
