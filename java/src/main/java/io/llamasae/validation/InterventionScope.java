package io.llamasae.validation;

import io.llamasae.engine.Edit;
import io.llamasae.engine.InterventionSpec;
import java.util.List;

/**
 * Where an experiment's edits act.
 *
 * <p>{@link #ALL} (default): every prompt position and every generated token, so the edit persists
 * through the answer the model writes (an edit at one prompt position of a middle layer rarely
 * changes a long generation). {@link #POSITION}: only the analysed prompt position, the row the
 * feature statistics and impact metrics describe.
 */
public enum InterventionScope {
    ALL,
    POSITION;

    public InterventionSpec spec(List<Edit> edits, int position, boolean replaceWithReconstruction) {
        InterventionSpec s = this == ALL ? InterventionSpec.everywhere(edits)
                : new InterventionSpec(edits, List.of(position), false, false, false);
        return s.withReconstruction(replaceWithReconstruction);
    }

    public static InterventionScope parse(String s) {
        return switch (s.toLowerCase()) {
            case "all", "everywhere" -> ALL;
            case "position", "pos" -> POSITION;
            default -> throw new IllegalArgumentException("--scope: expected all or position but found '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase();
    }
}
