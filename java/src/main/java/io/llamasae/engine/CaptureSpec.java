package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Which residual-stream rows a run captures.
 *
 * @param layers         llama.cpp block indices, distinct; results come back in this order
 * @param positions      token positions: {@code >= 0} absolute, {@code < 0} from the end (-1 = last);
 *                       ignored when {@code allPositions}
 * @param allPositions   capture every token of every prompt
 * @param generatedSteps 1-based generated steps captured by {@link Engine#generate} ({@code g2}: the
 *                       second generated token as it goes through the model); their rows follow the
 *                       prompt-position rows, prompt by prompt
 */
public record CaptureSpec(List<Integer> layers, List<Integer> positions, boolean allPositions, List<Integer> generatedSteps) {
    public CaptureSpec {
        layers = List.copyOf(layers);
        positions = List.copyOf(positions);
        generatedSteps = List.copyOf(generatedSteps);
        if (!layers.isEmpty() && !allPositions && positions.isEmpty() && generatedSteps.isEmpty()) {
            throw new IllegalArgumentException("capture spec: no positions (give positions, all, or generated steps gK)");
        }
        if (allPositions && !generatedSteps.isEmpty()) {
            throw new IllegalArgumentException("capture spec: 'all' cannot be combined with generated steps");
        }
        for (int g : generatedSteps) {
            if (g < 1) throw new IllegalArgumentException("positions: expected generated steps from g1 (1-based: g1 = the first generated token) but found g" + g);
        }
    }

    public CaptureSpec(List<Integer> layers, List<Integer> positions, boolean allPositions) {
        this(layers, positions, allPositions, List.of());
    }

    /** Captures nothing (plain forward passes through the hook). */
    public static CaptureSpec none() {
        return new CaptureSpec(List.of(), List.of(), false);
    }

    public static CaptureSpec of(List<Integer> layers, List<Integer> positions) {
        return new CaptureSpec(layers, positions, false);
    }

    public static CaptureSpec allPositions(List<Integer> layers) {
        return new CaptureSpec(layers, List.of(), true);
    }

    /** Largest generated step captured (0 if none): generation must produce more tokens than this. */
    public int maxGeneratedStep() {
        return generatedSteps.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /**
     * Parses CLI text: layers {@code "0,3,14"} or {@code "all"} (in {@code convention}),
     * positions {@code "3"}, {@code "-1"}, {@code "0,-1"}, {@code "all"}, or generated steps
     * {@code "g2"} (mixable with prompt positions: {@code "-1,g1,g2"}).
     */
    public static CaptureSpec parse(String layersText, String positionsText, LayerConvention convention, int nLayer) {
        List<Integer> layers = new ArrayList<>();
        if (layersText.trim().equalsIgnoreCase("all")) {
            for (int b = 0; b < nLayer; b++) layers.add(b);
        } else {
            for (int layer : parseInts(layersText, "--layers")) {
                int block = convention.toBlock(layer, nLayer);
                if (layers.contains(block)) throw new IllegalArgumentException("--layers: expected distinct layers but found layer " + layer + " twice");
                layers.add(block);
            }
        }
        if (positionsText.trim().equalsIgnoreCase("all")) return allPositions(layers);
        List<Integer> prompt = new ArrayList<>();
        List<Integer> generated = new ArrayList<>();
        for (String part : positionsText.split(",")) {
            String p = part.trim();
            if (p.startsWith("g") || p.startsWith("G")) {
                generated.addAll(parseInts(p.substring(1), "--positions (generated step " + p + ")"));
            } else {
                prompt.addAll(parseInts(p, "--positions"));
            }
        }
        return new CaptureSpec(layers, prompt, false, generated);
    }

    /**
     * Parses fixed prompt positions ({@code "3"}, {@code "-1"}, {@code "3,-1"}) for commands that analyse one row per
     * sample and position (a sweep): {@code all} and generated steps are refused, so are duplicates.
     */
    public static List<Integer> parseFixedPositions(String text, String option) {
        String t = text.trim();
        if (t.equalsIgnoreCase("all") || t.matches("(?i).*(^|,)\\s*g.*")) {
            throw new IllegalArgumentException(option + ": expected fixed token positions such as 3 or 3,-1 (one row per sample and "
                    + "position) but found '" + text + "'");
        }
        List<Integer> out = parseInts(t, option);
        if (out.stream().distinct().count() != out.size()) {
            throw new IllegalArgumentException(option + ": expected distinct positions but found '" + text + "'");
        }
        return out;
    }

    /** Parses a comma-separated list of integers; {@code option} names the option in messages. */
    public static List<Integer> parseInts(String text, String option) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) throw new IllegalArgumentException(option + ": expected integers such as 0,3,14 (or all) but found an empty entry in '" + text + "'");
            try {
                out.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + p + "' is not an integer (expected e.g. 0,3,14, all or g2)");
            }
        }
        return out;
    }
}
