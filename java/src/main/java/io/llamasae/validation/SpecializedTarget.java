package io.llamasae.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.data.Operation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A feature the specialization analysis labelled (e.g. "operation-specialized" / "multiplication"):
 * validation ablates it (story 4: rare specialized features should matter little) and, when it is
 * labelled with one operation, tests it at the operation level (story 5).
 *
 * @param feature     latent id
 * @param type        the analysis' specialization type
 * @param description the analysis' description (an operation label for operation-specialized features)
 */
public record SpecializedTarget(int feature, String type, String description) {
    public SpecializedTarget {
        if (feature < 0) throw new IllegalArgumentException("specialized feature: expected a latent >= 0 but found " + feature);
    }

    /** The operation of an "operation-specialized" feature whose description is one operation label. */
    public Optional<Operation> operation() {
        if (!"operation-specialized".equals(type)) return Optional.empty();
        try {
            return Optional.of(Operation.fromLabel(description.trim()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads the {@code specialized_features} of an {@code activation_analysis_layer{L}_pos{P}_rank*.json}
     * file (the reference study's and {@code llama-sae analyze}'s format: feature_id and
     * specialization {type, description}). When the file's metadata names a layer or position, they
     * must equal {@code layer} and {@code position}.
     */
    public static List<SpecializedTarget> read(Path file, int layer, int position) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": expected JSON but found a parse error: " + e.getOriginalMessage());
        }
        JsonNode meta = root.path("metadata");
        if (meta.has("layer") && meta.get("layer").asInt() != layer || meta.has("position") && meta.get("position").asInt() != position) {
            throw new IllegalArgumentException(file + ": analyses layer " + meta.path("layer").asText("?") + " position "
                    + meta.path("position").asText("?") + " but validation is at layer " + layer + " position " + position);
        }
        JsonNode list = root.get("specialized_features");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(file + ": expected an array field specialized_features but found "
                    + (list == null ? "none" : list.getNodeType().toString().toLowerCase()));
        }
        List<SpecializedTarget> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode f = list.get(i);
            JsonNode id = f.get("feature_id");
            JsonNode spec = f.path("specialization");
            if (id == null || !id.canConvertToInt() || id.asInt() < 0) {
                throw new IllegalArgumentException(file + ": specialized_features[" + i + "].feature_id: expected a latent id but found " + id);
            }
            out.add(new SpecializedTarget(id.asInt(), spec.path("type").asText("specialized"), spec.path("description").asText("")));
        }
        return out;
    }
}
