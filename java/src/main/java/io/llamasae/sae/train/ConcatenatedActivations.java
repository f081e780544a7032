package io.llamasae.sae.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Training rows made of row ranges of other sources, one after the other (a layer's rows at several positions, the
 * training part of a held-out split), read through to the sources without copying them.
 */
public final class ConcatenatedActivations implements ActivationSource {
    /** Rows {@code [from, from + count)} of {@code source}. */
    public record Part(ActivationSource source, long from, long count) {}

    private final List<Part> parts;
    private final long rows;
    private final int d;

    public ConcatenatedActivations(List<Part> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("activations: expected at least one row range but found none");
        this.parts = List.copyOf(parts);
        this.d = parts.get(0).source().dim();
        long n = 0;
        for (Part p : parts) {
            if (p.source().dim() != d) {
                throw new IllegalArgumentException(p.source().describe() + ": expected rows of width " + d + " but found " + p.source().dim());
            }
            if (p.from() < 0 || p.count() < 0 || p.from() + p.count() > p.source().rows()) {
                throw new IllegalArgumentException(p.source().describe() + ": rows [" + p.from() + ", " + (p.from() + p.count())
                        + ") outside its " + p.source().rows() + " rows");
            }
            n += p.count();
        }
        this.rows = n;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int dim() {
        return d;
    }

    @Override
    public void read(long firstRow, int count, float[] dst) throws IOException {
        long row = firstRow;
        int done = 0;
        for (Part p : parts) {
            if (done == count) return;
            if (row >= p.count()) {
                row -= p.count();
                continue;
            }
            int n = (int) Math.min(count - done, p.count() - row);
            if (done == 0) {
                p.source().read(p.from() + row, n, dst);
            } else {
                float[] tmp = new float[n * d];
                p.source().read(p.from() + row, n, tmp);
                System.arraycopy(tmp, 0, dst, done * d, n * d);
            }
            done += n;
            row = 0;
        }
        if (done != count) throw new IllegalArgumentException("activations: rows [" + firstRow + ", " + (firstRow + count) + ") beyond " + rows);
    }

    @Override
    public String describe() {
        List<String> out = new ArrayList<>();
        for (Part p : parts) out.add(p.source().describe() + "[" + p.from() + ":" + (p.from() + p.count()) + "]");
        return String.join(" + ", out);
    }
}
