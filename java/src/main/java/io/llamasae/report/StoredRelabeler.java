package io.llamasae.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.analysis.AnalysisMode;
import io.llamasae.analysis.FeasibilityConfig;
import io.llamasae.analysis.SeedInterpretation;
import io.llamasae.analysis.SeedLabel;
import io.llamasae.analysis.SeedRules;
import io.llamasae.analysis.SeedScores;
import io.llamasae.analysis.SeedThresholds;
import io.llamasae.analysis.SoundRules;
import io.llamasae.analysis.SoundThresholds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relabels a stored {@code activation_analysis_*.json} or {@code feature_labels_*.json} without the model.
 *
 * <p>Seed mode recomputes the reference labels from what the files store: second-stage type and
 * description from {@code scores}; first-stage type, confidence and description from
 * {@code detected_patterns} (the 10 stored samples are too few to recompute the patterns themselves).
 * Sound mode cannot be computed from these files: it needs every top sample's parsed equations and the
 * dataset's base rates, and the files hold only substring-based percentages. What it can decide is
 * support: a feature with fewer stored top samples than {@code minSupport} had fewer active samples
 * and is {@code insufficient-evidence}; every other feature is marked {@code undetermined} with the reason.
 */
public final class StoredRelabeler {
    public static final String UNDETERMINED = "undetermined";
    static final String SOUND_REASON = "sound labels need each top sample's parsed equations and the dataset's base rates; "
            + "this file stores only substring-based percentages of the top samples; run `llama-sae analyze --mode sound`";

    /**
     * @param document relabelled JSON (same structure, extra keys added)
     * @param kind     "activation_analysis" or "feature_labels"
     * @param features features relabelled
     * @param changed  features whose type or description differs from the stored one
     * @param notes    what could and could not be computed
     */
    public record Outcome(ObjectNode document, String kind, int features, int changed, List<String> notes) {
    }

    private StoredRelabeler() {
    }

    /**
     * @param nSamples dataset size for swap-pair feasibility (≤ 0: take {@code metadata.n_samples} if present, else no verdicts)
     */
    public static Outcome relabel(JsonNode root, String source, AnalysisMode mode, SeedThresholds seed, SoundThresholds sound,
                                  FeasibilityConfig feasibility, long nSamples) {
        if (root == null || !root.isObject()) {
            throw new StoredFormatException(source + ": expected a JSON object at the top level");
        }
        ObjectNode doc = root.deepCopy();
        JsonNode meta = doc.get("metadata");
        if (meta == null || !meta.isObject()) {
            throw new StoredFormatException(source + ": field 'metadata': expected an object but it is missing");
        }
        if (nSamples <= 0 && meta.has("n_samples")) {
            nSamples = meta.get("n_samples").asLong();
        }
        if (doc.has("all_features")) {
            return activationAnalysis(doc, source, mode, seed, sound, feasibility, nSamples);
        }
        if (doc.has("features")) {
            return featureLabels(doc, source, mode, sound);
        }
        if (doc.has("general_features")) {
            throw new StoredFormatException(source + ": this is a validation results file (ablation impacts); it stores no scores or "
                    + "detected patterns to relabel: pass an activation_analysis_*.json or feature_labels_*.json");
        }
        throw new StoredFormatException(source + ": expected 'all_features' (activation analysis) or 'features' (feature labels) "
                + "at the top level but found neither");
    }

    private static Outcome activationAnalysis(ObjectNode doc, String source, AnalysisMode mode, SeedThresholds seed,
                                              SoundThresholds sound, FeasibilityConfig feasibility, long nSamples) {
        ArrayNode all = array(doc, "all_features", source);
        Map<Integer, JsonNode> storedSamples = new HashMap<>();
        if (doc.has("specialized_features")) {
            for (JsonNode f : array(doc, "specialized_features", source)) {
                if (f.has("top_samples")) {
                    storedSamples.put(f.path("feature_id").asInt(), f.get("top_samples"));
                }
            }
        }
        int changed = 0;
        List<ObjectNode> specialized = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String where = source + ": all_features[" + i + "]";
            ObjectNode f = object(all.get(i), where);
            int id = requiredInt(f, "feature_id", where);
            ObjectNode spec = object(f.get("specialization"), where + ".specialization");
            String oldType = requiredText(spec, "type", where + ".specialization");
            String oldDesc = requiredText(spec, "description", where + ".specialization");
            SeedScores scores = readScores(spec.get("scores"), where + ".specialization.scores");
            String type;
            String desc;
            if (mode == AnalysisMode.SEED) {
                SeedLabel l = SeedRules.classify(scores, seed);
                type = l.type();
                desc = l.description();
            } else if (scores.totalSamples() < sound.minSupport()) {
                type = SoundRules.INSUFFICIENT_EVIDENCE;
                desc = "at most " + scores.totalSamples() + " active samples (minimum support " + sound.minSupport() + ")";
            } else {
                type = UNDETERMINED;
                desc = SOUND_REASON;
            }
            if (!type.equals(oldType) || !desc.equals(oldDesc)) {
                changed++;
            }
            spec.put("stored_type", oldType);
            spec.put("stored_description", oldDesc);
            spec.put("type", type);
            spec.put("description", desc);
            spec.put("mode", mode.label());
            boolean isSpecialized = !type.equals(SeedRules.GENERAL) && !type.equals(SoundRules.INSUFFICIENT_EVIDENCE)
                    && !type.equals(UNDETERMINED);
            if (isSpecialized) {
                ObjectNode copy = f.deepCopy();
                if (storedSamples.containsKey(id)) {
                    copy.set("top_samples", storedSamples.get(id));
                }
                specialized.add(copy);
            }
        }
        ArrayNode specArray = doc.putArray("specialized_features");
        specialized.forEach(specArray::add);
        ArrayNode pairs = doc.putArray("swap_pairs");
        for (int i = 0; i < specialized.size(); i++) {
            for (int j = i + 1; j < specialized.size(); j++) {
                ObjectNode a = specialized.get(i);
                ObjectNode b = specialized.get(j);
                String ka = kind(a);
                if (ka != null && ka.equals(kind(b)) && !desc(a).equals(desc(b))) {
                    ObjectNode p = pairs.addObject();
                    p.put("feature_a", a.get("feature_id").asInt());
                    p.put("feature_b", b.get("feature_id").asInt());
                    p.put("kind", ka);
                    p.put("description_a", desc(a));
                    p.put("description_b", desc(b));
                    if (nSamples > 0) {
                        long na = Math.round(a.path("activation_freq").asDouble() * nSamples);
                        long nb = Math.round(b.path("activation_freq").asDouble() * nSamples);
                        p.put("active_samples_a", na);
                        p.put("active_samples_b", nb);
                        p.set("feasibility", StudyJson.feasibility(feasibility.judge(na + nb)));
                    }
                }
            }
        }
        ObjectNode meta = (ObjectNode) doc.get("metadata");
        meta.put("specialized_features_found", specialized.size());
        meta.put("swap_pairs_generated", pairs.size());
        meta.put("mode", mode.label());
        meta.put("relabelled_from", source);
        if (mode == AnalysisMode.SEED) {
            notes.add("seed: type and description recomputed from the stored scores");
        } else {
            notes.add("sound: only minimum support can be decided from this file (total_samples < " + sound.minSupport()
                    + " → insufficient-evidence); the rest is 'undetermined': " + SOUND_REASON);
        }
        if (nSamples <= 0 && !pairs.isEmpty()) {
            notes.add("swap-pair feasibility not computed: the dataset size is unknown (pass --n-samples)");
        }
        return new Outcome(doc, "activation_analysis", all.size(), changed, notes);
    }

    private static Outcome featureLabels(ObjectNode doc, String source, AnalysisMode mode, SoundThresholds sound) {
        ArrayNode features = array(doc, "features", source);
        int changed = 0;
        for (int i = 0; i < features.size(); i++) {
            String where = source + ": features[" + i + "]";
            ObjectNode f = object(features.get(i), where);
            ObjectNode in = object(f.get("interpretation"), where + ".interpretation");
            String oldType = requiredText(in, "type", where + ".interpretation");
            String oldConf = requiredText(in, "confidence", where + ".interpretation");
            String oldDesc = requiredText(in, "description", where + ".interpretation");
            JsonNode dp = in.get("detected_patterns");
            if (dp == null || !dp.isArray()) {
                throw new StoredFormatException(where + ".interpretation: field 'detected_patterns': expected a list of strings");
            }
            List<String> patterns = new ArrayList<>();
            dp.forEach(p -> patterns.add(p.asText()));
            in.put("stored_type", oldType);
            in.put("stored_confidence", oldConf);
            in.put("stored_description", oldDesc);
            in.put("mode", mode.label());
            if (mode == AnalysisMode.SEED) {
                SeedInterpretation si = SeedRules.interpret(patterns);
                in.put("type", si.type());
                in.put("confidence", si.confidence());
                in.put("description", si.description());
                ArrayNode sorted = in.putArray("detected_patterns");
                si.detectedPatterns().forEach(sorted::add);
                if (!si.type().equals(oldType) || !si.confidence().equals(oldConf) || !sameDescription(si.description(), oldDesc)) {
                    changed++;
                }
            } else {
                in.put("type", UNDETERMINED);
                in.put("confidence", "none");
                in.put("description", SOUND_REASON);
                changed++;
            }
        }
        ObjectNode meta = (ObjectNode) doc.get("metadata");
        meta.put("mode", mode.label());
        meta.put("relabelled_from", source);
        List<String> notes = new ArrayList<>();
        notes.add(mode == AnalysisMode.SEED
                ? "seed: type, confidence and description recomputed from the stored detected_patterns; the patterns themselves "
                        + "need all 100 top samples and the file keeps 10"
                : "sound: nothing can be decided from a feature_labels file: " + SOUND_REASON);
        return new Outcome(doc, "feature_labels", features.size(), changed, notes);
    }

    /** Equal, with the "Numbers:" list compared as a set (the reference's order was a Python set order). */
    public static boolean sameDescription(String a, String b) {
        return stripNumbers(a).equals(stripNumbers(b)) && SeedRules.describedNumbers(a).equals(SeedRules.describedNumbers(b));
    }

    private static String stripNumbers(String d) {
        return d.replaceAll("Numbers: [^;]*", "Numbers: *");
    }

    private static String kind(ObjectNode f) {
        return switch (f.path("specialization").path("type").asText()) {
            case SeedRules.OPERATION_SPECIALIZED -> "operation";
            case SeedRules.VALUE_SPECIALIZED -> "value";
            default -> null;
        };
    }

    private static String desc(ObjectNode f) {
        return f.path("specialization").path("description").asText();
    }

    static SeedScores readScores(JsonNode s, String where) {
        ObjectNode scores = object(s, where);
        ObjectNode ops = object(scores.get("operations"), where + ".operations");
        Map<String, Double> o = new LinkedHashMap<>();
        for (String op : List.of("addition", "subtraction", "multiplication", "division")) {
            JsonNode v = ops.get(op);
            if (v == null || !v.isNumber()) {
                throw new StoredFormatException(where + ".operations: field '" + op + "': expected a number but found "
                        + (v == null ? "nothing" : v));
            }
            o.put(op, v.asDouble());
        }
        ObjectNode vals = object(scores.get("values"), where + ".values");
        Map<String, Integer> v = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vals.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt()) {
                throw new StoredFormatException(where + ".values: field '" + e.getKey() + "': expected a count but found " + e.getValue());
            }
            v.put(e.getKey(), e.getValue().asInt());
        }
        int total = requiredInt(scores, "total_samples", where);
        return new SeedScores(o, v, total);
    }

    private static ArrayNode array(ObjectNode doc, String field, String where) {
        JsonNode n = doc.get(field);
        if (n == null || !n.isArray()) {
            throw new StoredFormatException(where + ": field '" + field + "': expected a list but found " + (n == null ? "nothing" : n.getNodeType()));
        }
        return (ArrayNode) n;
    }

    private static ObjectNode object(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw new StoredFormatException(where + ": expected an object but found " + (n == null ? "nothing" : n.getNodeType()));
        }
        return (ObjectNode) n;
    }

    private static int requiredInt(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new StoredFormatException(where + ": field '" + field + "': expected an integer but found " + (v == null ? "nothing" : v));
        }
        return v.asInt();
    }

    private static String requiredText(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new StoredFormatException(where + ": field '" + field + "': expected a string but found " + (v == null ? "nothing" : v));
        }
        return v.asText();
    }
}
