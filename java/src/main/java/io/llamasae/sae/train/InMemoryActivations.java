package io.llamasae.sae.train;

/** Rows {@code x: [n, d]} already in a float array. */
public final class InMemoryActivations implements ActivationSource {
    private final float[] x;
    private final int n;
    private final int d;

    public InMemoryActivations(float[] x, int n, int d) {
        if (n <= 0 || d <= 0 || x.length < (long) n * d) {
            throw new IllegalArgumentException("activations: expected [n, d] = [" + n + ", " + d + "] with n, d > 0 ("
                    + (long) n * d + " floats) but found " + x.length + " floats");
        }
        this.x = x;
        this.n = n;
        this.d = d;
    }

    @Override
    public long rows() {
        return n;
    }

    @Override
    public int dim() {
        return d;
    }

    @Override
    public void read(long firstRow, int count, float[] dst) {
        System.arraycopy(x, Math.toIntExact(firstRow * d), dst, 0, count * d);
    }

    @Override
    public String describe() {
        return "in-memory [" + n + ", " + d + "]";
    }
}
