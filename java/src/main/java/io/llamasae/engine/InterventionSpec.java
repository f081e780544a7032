package io.llamasae.engine;

import java.util.List;

/**
 * Edits applied inside the forward pass, and where.
 *
 * @param edits                      edits, possibly at several blocks (each needs an attached SAE)
 * @param positions                  prompt positions: {@code >= 0} absolute, {@code < 0} from the end
 * @param allPositions               every prompt position (and every generated token if {@code generated})
 * @param generated                  also edit every generated token during {@link Engine#generate}
 * @param replaceWithReconstruction  h' = decode(z') (the reference study's behaviour, drops the SAE
 *                                   error) instead of the default h' = h + W_decᵀ(z' − z)
 */
public record InterventionSpec(List<Edit> edits, List<Integer> positions, boolean allPositions, boolean generated,
                               boolean replaceWithReconstruction) {
    public InterventionSpec {
        edits = List.copyOf(edits);
        positions = List.copyOf(positions);
        if (edits.isEmpty()) throw new IllegalArgumentException("intervention: no edits");
        if (!allPositions && positions.isEmpty() && !generated) {
            throw new IllegalArgumentException("intervention: no positions (give positions, all, or generated)");
        }
    }

    /** Edits at the given prompt positions and at every generated token. */
    public static InterventionSpec at(List<Edit> edits, List<Integer> positions) {
        return new InterventionSpec(edits, positions, false, true, false);
    }

    /** Edits at every prompt position and every generated token. */
    public static InterventionSpec everywhere(List<Edit> edits) {
        return new InterventionSpec(edits, List.of(), true, true, false);
    }

    public InterventionSpec withReconstruction(boolean replace) {
        return new InterventionSpec(edits, positions, allPositions, generated, replace);
    }
}
