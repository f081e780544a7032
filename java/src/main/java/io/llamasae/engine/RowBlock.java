package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * One block of a captured layer's rows (the engine's row layout, which is the activation file's
 * order): the rows of one capture position, of all positions, or of one generated step, each
 * holding the run's prompts in order (all positions: every token, prompt by prompt). Block b of
 * layer L is the file tensor {@code layer{L}.pos{label}}.
 *
 * @param kind  what the block holds
 * @param value the position ({@link Kind#POSITION}, negative = from the end) or the 1-based step
 *              ({@link Kind#GENERATED}); 0 for {@link Kind#ALL}
 */
public record RowBlock(Kind kind, int value) implements java.io.Serializable {
    public enum Kind { POSITION, ALL, GENERATED }

    public static RowBlock position(int p) {
        return new RowBlock(Kind.POSITION, p);
    }

    public static RowBlock all() {
        return new RowBlock(Kind.ALL, 0);
    }

    public static RowBlock generated(int step) {
        return new RowBlock(Kind.GENERATED, step);
    }

    /** As written on the command line and in tensor names: {@code 3}, {@code -1}, {@code all}, {@code g2}. */
    public String label() {
        return switch (kind) {
            case POSITION -> Integer.toString(value);
            case ALL -> "all";
            case GENERATED -> "g" + value;
        };
    }

    /** The file tensor of this block at llama.cpp block {@code block}: {@code layer{L}.pos{label}}, L in {@code convention}. */
    public String tensorName(int block, LayerConvention convention) {
        return "layer" + convention.fromBlock(block) + ".pos" + label();
    }

    /** The blocks of a spec, in the engine's order: positions as given (or all), then generated steps. */
    public static List<RowBlock> of(CaptureSpec spec) {
        List<RowBlock> out = new ArrayList<>();
        if (spec.allPositions()) {
            out.add(all());
        } else {
            for (int p : spec.positions()) out.add(position(p));
        }
        for (int g : spec.generatedSteps()) out.add(generated(g));
        return out;
    }

    @Override
    public String toString() {
        return "pos" + label();
    }
}
