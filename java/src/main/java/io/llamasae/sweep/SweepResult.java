package io.llamasae.sweep;

import io.llamasae.engine.PassResult;
import io.llamasae.sae.SplicedLoss;
import java.io.Serializable;

/**
 * The mergeable result of a sweep over some prompts (one partition, or the whole dataset): feature statistics and
 * SAE metrics per (layer, position) from the sweep's pass, and the spliced-in evaluation's sums per layer (null when
 * the sweep evaluates none). Every part merges exactly, so partitions merged in any order equal one pass over the
 * whole dataset bit for bit.
 */
public final class SweepResult implements Serializable {
    private static final long serialVersionUID = 1L;

    private final PassResult pass;
    private final SplicedLoss splice;

    public SweepResult(PassResult pass, SplicedLoss splice) {
        this.pass = pass;
        this.splice = splice;
    }

    public PassResult pass() {
        return pass;
    }

    /** The spliced-in evaluation's sums, or null when the sweep evaluates none. */
    public SplicedLoss splice() {
        return splice;
    }

    /** Folds {@code other} (the same sweep, other prompts) into this; returns this. */
    public SweepResult merge(SweepResult other) {
        if ((splice == null) != (other.splice == null)) {
            throw new IllegalArgumentException("sweep merge: one result has a spliced-in evaluation and the other none");
        }
        pass.merge(other.pass);
        if (splice != null) splice.merge(other.splice);
        return this;
    }
}
