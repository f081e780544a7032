package io.llamasae.sae;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.sae.safetensors.SafetensorsFormatException;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Loads SAEs in the {@link SaeFormat} conventions into the canonical {@link Sae} layout.
 *
 * <p>Path resolution: a directory uses {@code sae_weights.safetensors}, else {@code sae.safetensors},
 * else its only {@code *.safetensors}; a file is used as is. {@code cfg.json} beside the weights is
 * read when present. Without an override the format is detected from tensor names
 * ({@code W_enc} → SAELens; {@code encoder.weight} + {@code W_dec} → sparsify;
 * {@code decoder.weight} + {@code b_dec} → dictionary_learning; {@code decoder.weight} +
 * {@code decoder.bias} → reference).
 *
 * <p>k: an explicit caller k wins; otherwise the file's k (cfg.json or the {@code k} tensor); for
 * ReLU / JumpReLU SAEs without one, k = F (every latent may be active). A Top-K SAE with no k
 * anywhere is an error.
 */
public final class SaeLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SaeLoader() {
    }

    /** Loads with detection (or {@code override}) and the file's k. */
    public static Sae load(Path dirOrFile, Optional<SaeFormat> override) throws IOException {
        return load(dirOrFile, override, OptionalInt.empty());
    }

    /** Loads with detection (or {@code override}); {@code k} overrides the file's default k. */
    public static Sae load(Path dirOrFile, Optional<SaeFormat> override, OptionalInt k) throws IOException {
        Path weights = weightsFile(dirOrFile, override);
        Path cfgPath = weights.toAbsolutePath().getParent().resolve("cfg.json");
        JsonNode cfg = Files.isRegularFile(cfgPath) ? readJson(cfgPath) : null;
        try (SafetensorsReader r = SafetensorsReader.open(weights)) {
            SaeFormat format = override.isPresent() ? override.get() : detect(r);
            try {
                return switch (format) {
                    case SAELENS -> loadSaeLens(r, cfg, cfgPath, k);
                    case SPARSIFY -> loadSparsify(r, cfg, cfgPath, k);
                    case REFERENCE -> loadReference(r, cfg, cfgPath, k);
                    case DICTIONARY_LEARNING -> loadDictionaryLearning(r, cfg, cfgPath, k);
                };
            } catch (InvalidSaeException e) {
                throw new SaeFormatException(weights + " (" + format.name().toLowerCase() + "): " + e.getMessage(), e);
            } catch (SafetensorsFormatException e) {
                // e.g. a tensor this convention needs is missing: an SAE-format problem, message already names file
                throw new SaeFormatException("as " + format.name().toLowerCase() + " SAE: " + e.getMessage(), e);
            }
        }
    }

    /** The format {@link #load} would detect for {@code dirOrFile}. */
    public static SaeFormat detect(Path dirOrFile) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(weightsFile(dirOrFile, Optional.empty()))) {
            return detect(r);
        }
    }

    private static SaeFormat detect(SafetensorsReader r) throws SaeFormatException {
        // Every layout whose tensors are present: a file that fits two is refused rather than read
        // as whichever is tested first (the weights would be interpreted wrongly without a word).
        List<SaeFormat> fits = new ArrayList<>();
        if (r.has("W_enc")) {
            fits.add(SaeFormat.SAELENS);
        }
        if (r.has("encoder.weight") && r.has("W_dec")) {
            fits.add(SaeFormat.SPARSIFY);
        }
        if (r.has("encoder.weight") && r.has("decoder.weight") && r.has("b_dec")) {
            fits.add(SaeFormat.DICTIONARY_LEARNING);
        }
        if (r.has("encoder.weight") && r.has("decoder.weight") && r.has("decoder.bias")) {
            fits.add(SaeFormat.REFERENCE);
        }
        if (fits.size() == 1) {
            return fits.get(0);
        }
        if (fits.size() > 1) {
            throw new SaeFormatException(r.file() + ": tensors: expected the tensors of one SAE layout but found those of "
                    + names(fits) + " (" + r.tensors().keySet() + "); give the format (--sae-format / --format)");
        }
        throw new SaeFormatException(r.file() + ": tensors: expected an SAE layout (W_enc/W_dec for SAELens, "
                + "encoder.weight + W_dec for sparsify, encoder.weight + decoder.weight + b_dec or decoder.bias) "
                + "but found " + r.tensors().keySet());
    }

    private static String names(List<SaeFormat> formats) {
        return String.join(" and ", formats.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }

    /** The weights file of an SAE folder or file (see the class comment). */
    static Path weightsFile(Path p) throws IOException {
        return weightsFile(p, Optional.empty());
    }

    /**
     * The weights file: {@code p} itself, or in a folder the file of the given format, else
     * sae_weights.safetensors (SAELens) or sae.safetensors (sparsify), else the only *.safetensors.
     * A folder holding the files of both conventions is refused without a format.
     */
    static Path weightsFile(Path p, Optional<SaeFormat> format) throws IOException {
        String kind = io.llamasae.io.InputFiles.kind(p);
        if (kind.equals("a regular file")) {
            return p;
        }
        if (!kind.equals("a folder")) {
            throw new SaeFormatException(p + ": SAE: expected an SAE folder or .safetensors file but found " + kind);
        }
        Path saelens = p.resolve("sae_weights.safetensors");
        Path sparsify = p.resolve("sae.safetensors");
        boolean hasSaeLens = Files.isRegularFile(saelens);
        boolean hasSparsify = Files.isRegularFile(sparsify);
        if (format.isPresent() && format.get() == SaeFormat.SAELENS && hasSaeLens) {
            return saelens;
        }
        if (format.isPresent() && format.get() == SaeFormat.SPARSIFY && hasSparsify) {
            return sparsify;
        }
        if (hasSaeLens && hasSparsify) {
            throw new SaeFormatException(p + ": SAE files: expected one SAE but found both sae_weights.safetensors (SAELens) and "
                    + "sae.safetensors (sparsify); give the format (--sae-format / --format) or the file");
        }
        for (Path f : List.of(saelens, sparsify)) {
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, "*.safetensors")) {
            ds.forEach(found::add);
        }
        if (found.size() != 1) {
            throw new SaeFormatException(p + ": expected sae_weights.safetensors, sae.safetensors or exactly one "
                    + "*.safetensors file but found " + found.size());
        }
        return found.get(0);
    }

    private static JsonNode readJson(Path p) throws SaeFormatException, IOException {
        try {
            JsonNode n = JSON.readTree(p.toFile());
            if (n == null || !n.isObject()) {
                throw new SaeFormatException(p + ": expected a JSON object but found "
                        + (n == null ? "nothing" : n.getNodeType()));
            }
            return n;
        } catch (JacksonException e) {
            throw new SaeFormatException(p + ": expected valid JSON but found: " + e.getOriginalMessage());
        }
    }

    // ---- SAELens -------------------------------------------------------------------------------

    private static Sae loadSaeLens(SafetensorsReader r, JsonNode cfg, Path cfgPath, OptionalInt kArg)
            throws IOException {
        TensorInfo wEncInfo = r.info("W_enc");
        long[] s = requireRank(r, wEncInfo, 2, "[d, F]");
        int d = toInt(r, "W_enc", s[0]);
        int nl = toInt(r, "W_enc", s[1]);
        if (cfg != null) {
            expectCfgInt(cfgPath, cfg, "d_in", d);
            expectCfgInt(cfgPath, cfg, "d_sae", nl);
            JsonNode norm = cfg.get("normalize_activations");
            if (norm != null && !norm.isNull() && !norm.asText().equals("none")) {
                throw new SaeFormatException(cfgPath + ": normalize_activations: expected \"none\" (input "
                        + "normalization is not supported) but found \"" + norm.asText() + "\"");
            }
        }
        if (cfg == null) {
            // SAELens keeps the activation (ReLU, JumpReLU, Top-K) and k only in cfg.json: guessing them
            // would encode with the wrong function.
            throw new SaeFormatException(cfgPath + ": expected the SAELens cfg.json beside " + r.file().getFileName()
                    + " (it names the architecture and k) but found no such file");
        }
        Activation act = saeLensActivation(cfg, cfgPath);
        float[] wEnc = transposed(r, "W_enc", d, nl);
        float[] bEnc = vector(r, "b_enc", nl);
        float[] wDec = matrix(r, "W_dec", nl, d);
        float[] bDec = vector(r, "b_dec", d);
        float[] thr = null;
        if (act == Activation.JUMPRELU) {
            thr = vector(r, "threshold", nl);
        }
        int k = resolveK(kArg, cfgK(cfg, cfgPath), act, nl, r.file());
        // SAELens' default for apply_b_dec_to_input is true.
        boolean preBias = cfg == null || !cfg.has("apply_b_dec_to_input") || cfg.get("apply_b_dec_to_input").asBoolean();
        return preBias ? Sae.withPreEncoderBias(d, nl, wEnc, bEnc, wDec, bDec, thr, act, k)
                : new Sae(d, nl, wEnc, bEnc, wDec, bDec, thr, act, k);
    }

    private static Activation saeLensActivation(JsonNode cfg, Path cfgPath) throws SaeFormatException {
        if (cfg == null) {
            return Activation.RELU;
        }
        if (cfg.hasNonNull("llama_sae_activation")) { // written by SaeLensWriter (e.g. topk-abs)
            try {
                return Activation.parse(cfg.get("llama_sae_activation").asText());
            } catch (IllegalArgumentException e) {
                throw new SaeFormatException(cfgPath + ": llama_sae_activation: " + e.getMessage());
            }
        }
        String arch = cfg.hasNonNull("architecture") ? cfg.get("architecture").asText() : null;
        if (arch != null) {
            switch (arch) {
                case "standard":
                    break; // activation_fn_str decides (relu, or topk in older configs)
                case "jumprelu":
                    return Activation.JUMPRELU;
                case "topk":
                    return Activation.TOPK_RELU;
                default:
                    throw new SaeFormatException(cfgPath + ": architecture: expected standard, jumprelu or topk but "
                            + "found \"" + arch + "\"");
            }
        }
        String fn = cfg.hasNonNull("activation_fn_str") ? cfg.get("activation_fn_str").asText() : "relu";
        return switch (fn) {
            case "relu" -> Activation.RELU;
            case "topk" -> Activation.TOPK_RELU;
            default -> throw new SaeFormatException(cfgPath + ": activation_fn_str: expected relu or topk but found \""
                    + fn + "\"");
        };
    }

    private static OptionalInt cfgK(JsonNode cfg, Path cfgPath) throws SaeFormatException {
        if (cfg == null) {
            return OptionalInt.empty();
        }
        if (cfg.hasNonNull("k")) {
            return OptionalInt.of(integralK(cfg.get("k"), cfgPath, "k"));
        }
        JsonNode kw = cfg.get("activation_fn_kwargs");
        if (kw != null && kw.hasNonNull("k")) {
            return OptionalInt.of(integralK(kw.get("k"), cfgPath, "activation_fn_kwargs.k"));
        }
        return OptionalInt.empty();
    }

    /** A k that is a whole number >= 1 (16.0 is accepted, 16.5 and "16" are not: truncating would change the SAE). */
    private static int integralK(JsonNode k, Path cfgPath, String key) throws SaeFormatException {
        if (!k.isNumber() || !k.canConvertToExactIntegral() || !k.canConvertToInt() || k.asInt() < 1) {
            throw new SaeFormatException(cfgPath + ": " + key + ": expected a whole number >= 1 but found " + k);
        }
        return k.asInt();
    }

    // ---- sparsify ------------------------------------------------------------------------------

    private static Sae loadSparsify(SafetensorsReader r, JsonNode cfg, Path cfgPath, OptionalInt kArg)
            throws IOException {
        if (r.has("W_skip") || (cfg != null && cfg.path("skip_connection").asBoolean(false))) {
            throw new SaeFormatException(r.file() + ": W_skip: expected no skip connection (unsupported) but found one");
        }
        if (cfg != null && cfg.hasNonNull("activation") && !cfg.get("activation").asText().equals("topk")) {
            throw new SaeFormatException(cfgPath + ": activation: expected \"topk\" (the only sparsify activation "
                    + "supported) but found \"" + cfg.get("activation").asText() + "\"");
        }
        long[] s = requireRank(r, r.info("encoder.weight"), 2, "[F, d]");
        int nl = toInt(r, "encoder.weight", s[0]);
        int d = toInt(r, "encoder.weight", s[1]);
        if (cfg != null) {
            if (cfg.has("d_in")) {
                expectCfgInt(cfgPath, cfg, "d_in", d);
            }
            if (cfg.hasNonNull("num_latents") && cfg.get("num_latents").asInt() > 0) {
                expectCfgInt(cfgPath, cfg, "num_latents", nl);
            } else if (cfg.hasNonNull("expansion_factor")) {
                long expected = (long) cfg.get("expansion_factor").asInt() * d;
                if (expected != nl) {
                    throw new SaeFormatException(cfgPath + ": expansion_factor: expected F/d = " + nl + "/" + d
                            + " but found " + cfg.get("expansion_factor").asText());
                }
            }
        }
        float[] wEnc = matrix(r, "encoder.weight", nl, d);
        float[] bEnc = vector(r, "encoder.bias", nl);
        float[] wDec = matrix(r, "W_dec", nl, d);
        float[] bDec = vector(r, "b_dec", d);
        int k = resolveK(kArg, cfgK(cfg, cfgPath), Activation.TOPK_RELU, nl, r.file());
        return Sae.withPreEncoderBias(d, nl, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_RELU, k);
    }

    // ---- reference study -----------------------------------------------------------------------

    private static Sae loadReference(SafetensorsReader r, JsonNode cfg, Path cfgPath, OptionalInt kArg)
            throws IOException {
        long[] s = requireRank(r, r.info("encoder.weight"), 2, "[F, d]");
        int nl = toInt(r, "encoder.weight", s[0]);
        int d = toInt(r, "encoder.weight", s[1]);
        float[] wEnc = matrix(r, "encoder.weight", nl, d);
        float[] bEnc = vector(r, "encoder.bias", nl);
        float[] wDec = transposed(r, "decoder.weight", d, nl);
        float[] bDec = vector(r, "decoder.bias", d);
        int k = resolveK(kArg, cfgK(cfg, cfgPath), Activation.TOPK_ABS, nl, r.file());
        return new Sae(d, nl, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_ABS, k);
    }

    // ---- dictionary_learning -------------------------------------------------------------------

    private static Sae loadDictionaryLearning(SafetensorsReader r, JsonNode cfg, Path cfgPath, OptionalInt kArg)
            throws IOException {
        long[] s = requireRank(r, r.info("encoder.weight"), 2, "[F, d]");
        int nl = toInt(r, "encoder.weight", s[0]);
        int d = toInt(r, "encoder.weight", s[1]);
        float[] wEnc = matrix(r, "encoder.weight", nl, d);
        float[] bEnc = vector(r, "encoder.bias", nl);
        float[] wDec = transposed(r, "decoder.weight", d, nl);
        float[] bDec = vector(r, "b_dec", d);
        OptionalInt fileK = cfgK(cfg, cfgPath);
        if (r.has("k")) {
            TensorInfo ki = r.info("k");
            if (ki.elementCount() != 1) {
                throw new SaeFormatException(r.file() + ": tensor 'k': expected a scalar but found shape "
                        + Arrays.toString(ki.shape()));
            }
            long kv = r.readLongs("k")[0];
            if (kv < 1 || kv > nl) {
                throw new SaeFormatException(r.file() + ": tensor 'k': expected 1 <= k <= F = " + nl + " but found "
                        + kv);
            }
            fileK = OptionalInt.of((int) kv);
        }
        if (r.has("threshold")) {
            // dictionary_learning's optional inference threshold: validated, not used by top-k encoding.
            vector(r, "threshold", -1);
        }
        int k = resolveK(kArg, fileK, Activation.TOPK_RELU, nl, r.file());
        return Sae.withPreEncoderBias(d, nl, wEnc, bEnc, wDec, bDec, null, Activation.TOPK_RELU, k);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static int resolveK(OptionalInt kArg, OptionalInt fileK, Activation act, int nl, Path file)
            throws SaeFormatException {
        if (kArg.isPresent()) {
            return kArg.getAsInt();
        }
        if (fileK.isPresent()) {
            return fileK.getAsInt();
        }
        if (!act.isTopK()) {
            return nl;
        }
        throw new SaeFormatException(file + ": k: expected k in cfg.json (or a k tensor) for a " + act.id()
                + " SAE, or given by the caller (--k), but found none");
    }

    private static long[] requireRank(SafetensorsReader r, TensorInfo t, int rank, String expected)
            throws SaeFormatException {
        if (t.rank() != rank) {
            throw new SaeFormatException(r.file() + ": tensor '" + t.name() + "': shape: expected " + expected
                    + " but found " + Arrays.toString(t.shape()));
        }
        return t.shape();
    }

    private static int toInt(SafetensorsReader r, String name, long v) throws SaeFormatException {
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new SaeFormatException(r.file() + ": tensor '" + name + "': shape: expected dimensions in 1.."
                    + Integer.MAX_VALUE + " but found " + v);
        }
        return (int) v;
    }

    private static void expectCfgInt(Path cfgPath, JsonNode cfg, String key, int expected) throws SaeFormatException {
        JsonNode n = cfg.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() != expected) {
            throw new SaeFormatException(cfgPath + ": " + key + ": expected " + expected + " (from the weights) but "
                    + "found " + (n == null ? "nothing" : n.toString()));
        }
    }

    private static void expectShape(SafetensorsReader r, String name, long... shape) throws IOException {
        TensorInfo t = r.info(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new SaeFormatException(r.file() + ": tensor '" + name + "': shape: expected "
                    + Arrays.toString(shape) + " but found " + Arrays.toString(t.shape()));
        }
        if (!t.dtype().isFloating()) {
            throw new SaeFormatException(r.file() + ": tensor '" + name + "': dtype: expected F32, F16 or BF16 but "
                    + "found " + t.dtype());
        }
    }

    /** {@code [rows, cols]} tensor read as is. */
    private static float[] matrix(SafetensorsReader r, String name, int rows, int cols) throws IOException {
        expectShape(r, name, rows, cols);
        return r.readFloats(name);
    }

    /** {@code [rows, cols]} tensor returned transposed as {@code [cols, rows]}. */
    private static float[] transposed(SafetensorsReader r, String name, int rows, int cols) throws IOException {
        float[] a = matrix(r, name, rows, cols);
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** {@code [len]} tensor ({@code len < 0}: any rank-1 length). */
    private static float[] vector(SafetensorsReader r, String name, int len) throws IOException {
        if (len >= 0) {
            expectShape(r, name, len);
        }
        return r.readFloats(name);
    }
}
