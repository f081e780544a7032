package io.llamasae.sae;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.io.AtomicFiles;
import io.llamasae.sae.safetensors.SafetensorsWriter;
import io.llamasae.sae.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an {@link Sae} in SAELens layout: {@code sae_weights.safetensors} ({@code W_enc [d,F]},
 * {@code b_enc [F]}, {@code W_dec [F,d]}, {@code b_dec [d]}, {@code threshold [F]} for JumpReLU) and
 * {@code cfg.json}. The folded bias is stored as {@code b_enc} with
 * {@code apply_b_dec_to_input: false}, so reading back gives bit-identical arrays. Each file is
 * written atomically; the weights go first so a present cfg.json implies complete weights.
 * Top-K by |pre| (not an SAELens architecture) is stored as {@code architecture: "topk"} plus
 * {@code llama_sae_activation: "topk-abs"}, which {@link SaeLoader} honours.
 */
public final class SaeLensWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SaeLensWriter() {
    }

    /** Writes {@code sae} into {@code dir} (created if needed). */
    public static void write(Sae sae, Path dir) throws IOException {
        write(sae, dir, Map.of());
    }

    /** Same, adding {@code extraCfg} entries (e.g. model_name, hook_layer) to cfg.json. */
    public static void write(Sae sae, Path dir, Map<String, ?> extraCfg) throws IOException {
        Files.createDirectories(dir);
        int d = sae.d();
        int nl = sae.numLatents();
        float[] wEncT = new float[sae.wEnc().length]; // [F, d] -> [d, F]
        for (int f = 0; f < nl; f++) {
            for (int i = 0; i < d; i++) {
                wEncT[i * nl + f] = sae.wEnc()[f * d + i];
            }
        }
        Map<String, Tensor> t = new TreeMap<>();
        t.put("W_enc", Tensor.ofFloats(wEncT, d, nl));
        t.put("b_enc", Tensor.ofFloats(sae.bEnc(), nl));
        t.put("W_dec", Tensor.ofFloats(sae.wDec(), nl, d));
        t.put("b_dec", Tensor.ofFloats(sae.bDec(), d));
        if (sae.threshold() != null) {
            t.put("threshold", Tensor.ofFloats(sae.threshold(), nl));
        }
        SafetensorsWriter.write(dir.resolve("sae_weights.safetensors"), t, Map.of("format", "pt"));

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("d_in", d);
        cfg.put("d_sae", nl);
        String arch = switch (sae.activation()) {
            case TOPK_RELU, TOPK_ABS -> "topk";
            case JUMPRELU -> "jumprelu";
            case RELU -> "standard";
        };
        cfg.put("architecture", arch);
        cfg.put("activation_fn_str", sae.activation().isTopK() ? "topk" : "relu");
        cfg.putObject("activation_fn_kwargs").put("k", sae.defaultK());
        cfg.put("k", sae.defaultK());
        cfg.put("apply_b_dec_to_input", false);
        cfg.put("normalize_activations", "none");
        cfg.put("dtype", "float32");
        cfg.put("llama_sae_activation", sae.activation().id());
        extraCfg.forEach((key, v) -> cfg.set(key, JSON.valueToTree(v)));
        AtomicFiles.writeBytes(dir.resolve("cfg.json"), JSON.writeValueAsBytes(cfg));
    }
}
