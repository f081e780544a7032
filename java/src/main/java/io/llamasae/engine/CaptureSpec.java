package io.llamasae.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Which residual-stream rows a run captures.
 *
 * @param layers       llama.cpp block indices, distinct; results come back in this order
 * @param positions    token positions: {@code >= 0} absolute, {@code < 0} from the end (-1 = last);
 *                     ignored when {@code allPositions}
 * @param allPositions capture every token of every prompt
 */
public record CaptureSpec(List<Integer> layers, List<Integer> positions, boolean allPositions) {
    public CaptureSpec {
        layers = List.copyOf(layers);
        positions = List.copyOf(positions);
        if (!layers.isEmpty() && !allPositions && positions.isEmpty()) {
            throw new IllegalArgumentException("capture spec: no positions (give positions or all)");
        }
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

    /**
     * Parses CLI text: layers {@code "0,3,14"} or {@code "all"} (in {@code convention}),
     * positions {@code "3"}, {@code "-1"}, {@code "0,-1"} or {@code "all"}.
     */
    public static CaptureSpec parse(String layersText, String positionsText, LayerConvention convention, int nLayer) {
        List<Integer> layers = new ArrayList<>();
        if (layersText.trim().equalsIgnoreCase("all")) {
            for (int b = 0; b < nLayer; b++) layers.add(b);
        } else {
            for (int layer : parseInts(layersText, "--layers")) {
                int block = convention.toBlock(layer, nLayer);
                if (layers.contains(block)) throw new IllegalArgumentException("--layers: layer " + layer + " listed twice");
                layers.add(block);
            }
        }
        if (positionsText.trim().equalsIgnoreCase("all")) return allPositions(layers);
        return of(layers, parseInts(positionsText, "--positions"));
    }

    static List<Integer> parseInts(String text, String option) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) throw new IllegalArgumentException(option + ": empty entry in '" + text + "'");
            try {
                out.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + p + "' is not an integer (expected e.g. 0,3,14 or all)");
            }
        }
        return out;
    }
}
