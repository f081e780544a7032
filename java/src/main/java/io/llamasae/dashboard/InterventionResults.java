package io.llamasae.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.report.StudyJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A feature's intervention results, cut out of a {@code validation_results_layer{L}_pos{P}.json}
 * written by {@code validate} (or the demo): its ablation entry among {@code general_features} /
 * {@code specialized_features}, the amplifications and swaps that edit it, and its operation-level tests.
 */
public final class InterventionResults {
    private final JsonNode root;

    private InterventionResults(JsonNode root) {
        this.root = root;
    }

    /** Reads the file; a file that is not a validation result is refused with its name. */
    public static InterventionResults read(Path file) {
        try {
            JsonNode n = StudyJson.MAPPER.readTree(Files.readAllBytes(file));
            if (n == null || !n.has("metadata") || !n.has("general_features")) {
                throw new IllegalArgumentException(file + ": expected a validation_results JSON (metadata, general_features) but found "
                        + (n == null ? "nothing" : "keys " + iterable(n)));
            }
            return new InterventionResults(n);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read validation results: " + e.getMessage(), e);
        }
    }

    private static String iterable(JsonNode n) {
        StringBuilder s = new StringBuilder();
        n.fieldNames().forEachRemaining(k -> s.append(s.length() == 0 ? "" : ", ").append(k));
        return s.toString();
    }

    /** The entries that concern {@code feature}, or null when the validation never touched it. */
    public ObjectNode forFeature(int feature) {
        ObjectNode out = StudyJson.MAPPER.createObjectNode();
        for (String list : new String[] {"general_features", "specialized_features"}) {
            for (JsonNode e : root.path(list)) {
                if (e.path("feature_id").asInt(-1) == feature) out.set(list.replace("_features", ""), e);
            }
        }
        ArrayNode conditions = StudyJson.MAPPER.createArrayNode();
        for (String list : new String[] {"amplifications", "swaps"}) {
            for (JsonNode e : root.path(list)) {
                for (JsonNode f : e.path("features")) {
                    if (f.asInt(-1) == feature) {
                        conditions.add(e);
                        break;
                    }
                }
            }
        }
        if (!conditions.isEmpty()) out.set("conditions", conditions);
        ArrayNode ops = StudyJson.MAPPER.createArrayNode();
        for (JsonNode e : root.path("operation_level")) {
            if (e.path("feature_id").asInt(-1) == feature) ops.add(e);
        }
        if (!ops.isEmpty()) out.set("operation_level", ops);
        if (out.isEmpty()) return null;
        out.put("source", "validation_results (" + root.path("metadata").path("validation_date").asText("") + ")");
        return out;
    }
}
