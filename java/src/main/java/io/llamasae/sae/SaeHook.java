package io.llamasae.sae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an SAE was trained: the llama.cpp block whose output it reads, as its files record it.
 * An SAE attached at another block still runs, but its codes mean nothing there (explained
 * variance far below zero), so callers compare {@link #block()} with the block they attach at.
 *
 * <p>Sources, first match wins: {@code cfg.json} {@code hook_name} in TransformerLens form
 * ({@code blocks.L.hook_resid_post} = block L, {@code blocks.L.hook_resid_pre} = block L-1, the
 * SAELens convention); {@code cfg.json} {@code hook_layer} (a block index; llama-sae writes it
 * with {@code hook_name}); a sparsify hookpoint folder named {@code layers.L} (the output of
 * Hugging Face decoder layer L = block L).
 *
 * @param block  the llama.cpp block
 * @param source what said so, for messages (e.g. "cfg.json hook_name 'blocks.3.hook_resid_post'")
 */
public record SaeHook(int block, String source) {
    private static final Pattern RESID = Pattern.compile("blocks\\.(\\d+)\\.hook_resid_(post|pre)");
    private static final Pattern SPARSIFY_FOLDER = Pattern.compile("layers\\.(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The hook recorded for the SAE at {@code dirOrFile}, or empty when its files do not say. */
    public static Optional<SaeHook> of(Path dirOrFile) throws IOException {
        Path abs = dirOrFile.toAbsolutePath();
        Path folder = Files.isDirectory(abs) ? abs : abs.getParent();
        Path cfgPath = folder.resolve("cfg.json");
        if (Files.isRegularFile(cfgPath)) {
            JsonNode cfg;
            try {
                cfg = JSON.readTree(cfgPath.toFile());
            } catch (IOException e) {
                cfg = null;  // SaeLoader reports malformed JSON when it loads the SAE
            }
            if (cfg != null && cfg.hasNonNull("hook_name")) {
                Matcher m = RESID.matcher(cfg.get("hook_name").asText());
                if (m.matches()) {
                    int layer = Integer.parseInt(m.group(1));
                    int block = m.group(2).equals("post") ? layer : layer - 1;
                    return Optional.of(new SaeHook(block, "cfg.json hook_name '" + m.group() + "'"));
                }
            }
            if (cfg != null && cfg.hasNonNull("hook_layer") && cfg.get("hook_layer").canConvertToExactIntegral()) {
                return Optional.of(new SaeHook(cfg.get("hook_layer").asInt(), "cfg.json hook_layer " + cfg.get("hook_layer").asInt()));
            }
        }
        Matcher m = SPARSIFY_FOLDER.matcher(String.valueOf(folder.getFileName()));
        if (m.matches()) {
            int layer = Integer.parseInt(m.group(1));
            return Optional.of(new SaeHook(layer, "sparsify hookpoint folder '" + m.group() + "'"));
        }
        return Optional.empty();
    }

    /**
     * Refuses to attach the SAE at {@code dirOrFile} at {@code block} when its files name another
     * block, unless {@code allowMismatch}. {@code option} names the user's layer option in the message.
     */
    public static void checkAttachedAt(Path dirOrFile, int block, boolean allowMismatch, String option) throws IOException {
        if (allowMismatch) return;
        Optional<SaeHook> hook = of(dirOrFile);
        if (hook.isPresent() && hook.get().block() != block) {
            throw new IllegalArgumentException(option + ": expected the block the SAE " + dirOrFile + " was trained at, block "
                    + hook.get().block() + " (" + hook.get().source() + "), but found block " + block
                    + " (give --allow-layer-mismatch to attach it there anyway)");
        }
    }
}
