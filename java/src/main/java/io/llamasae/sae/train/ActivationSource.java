package io.llamasae.sae.train;

import java.io.IOException;

/** Training rows {@code x: [rows, dim]} that can be read in chunks without holding them all in RAM. */
public interface ActivationSource {
    /** Number of rows N. */
    long rows();

    /** Row width d. */
    int dim();

    /** Copies rows [firstRow, firstRow + count) into {@code dst[0 .. count*d)}. */
    void read(long firstRow, int count, float[] dst) throws IOException;

    /** A short description for messages ("acts.safetensors:layer3.pos-1"). */
    String describe();
}
