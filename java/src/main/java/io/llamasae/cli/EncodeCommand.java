package io.llamasae.cli;

import io.llamasae.sae.Encoder;
import io.llamasae.sae.Encoders;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeFormat;
import io.llamasae.sae.SaeLoader;
import io.llamasae.sae.SparseCodes;
import io.llamasae.sae.safetensors.DType;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.StreamingSafetensorsWriter;
import io.llamasae.sae.safetensors.TensorInfo;
import io.llamasae.sae.train.SafetensorsActivations;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llama-sae encode}: sparse codes of activation tensors. For each encoded tensor T
 * ({@code --tensor}, or every {@code layer{L}.pos{P}} tensor) writes {@code T.indices} (I32 [N, k])
 * and {@code T.values} (F32 [N, k]) to --out, streamed chunk by chunk and committed atomically;
 * the activations' {@code __metadata__} is copied and the SAE's description added.
 * Exit codes: 0 success, 2 bad input (one-line message naming the file and field).
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode activations with an SAE into sparse codes (indices/values safetensors).")
public final class EncodeCommand implements Callable<Integer> {
    private static final Pattern ACTIVATION_TENSOR = Pattern.compile("layer\\d+\\.pos-?\\d+");

    @Spec
    CommandSpec spec;

    @Option(names = "--sae", required = true, paramLabel = "S", description = "SAE directory or .safetensors file")
    Path saePath;

    @Option(names = "--format", paramLabel = "F", converter = Converters.SaeFormatName.class,
            description = "saelens, sparsify, reference, dictionary_learning (default: detected; needed when a folder holds several)")
    SaeFormat format;

    @Option(names = "--activations", required = true, paramLabel = "A", description = "activations safetensors file")
    Path activations;

    @Option(names = "--tensor", paramLabel = "NAME", description = "tensor to encode, e.g. layer3.pos-1 "
            + "(default: every layer{L}.pos{P} tensor)")
    String tensor;

    @Option(names = "--k", paramLabel = "K", converter = Converters.Positive.class, description = "slots per row (default: the SAE's k)")
    Integer k;

    @Option(names = "--encoder", description = "java (float), reference (double-precision oracle) or a "
            + "registered one such as native (default: system property llama.sae.encoder, else java)")
    String encoderName;

    @Option(names = "--chunk", description = "rows encoded at a time (default: ${DEFAULT-VALUE})",
            defaultValue = "4096", converter = Converters.Positive.class)
    int chunkRows;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output codes.safetensors")
    Path out;

    private final Encoder injected;

    /** Uses --encoder (JavaEncoder by default). */
    public EncodeCommand() {
        this(null);
    }

    /** Uses {@code encoder} (e.g. a native implementation) regardless of --encoder. */
    public EncodeCommand(Encoder encoder) {
        this.injected = encoder;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        PrintWriter outw = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        try {
            Encoder encoder = injected != null ? injected
                    : encoderName == null ? Encoders.defaultEncoder() : Encoders.byName(encoderName);
            Optional<SaeFormat> fmt = Optional.ofNullable(format);
            Sae sae = SaeLoader.load(saePath, fmt, k == null ? OptionalInt.empty() : OptionalInt.of(k));
            int kk = sae.defaultK();
            try (SafetensorsReader reader = SafetensorsReader.open(activations);
                 StreamingSafetensorsWriter writer = new StreamingSafetensorsWriter(out)) {
                List<String> names = new ArrayList<>();
                if (tensor != null) {
                    reader.info(tensor);
                    names.add(tensor);
                } else {
                    for (String name : reader.tensors().keySet()) {
                        if (ACTIVATION_TENSOR.matcher(name).matches()) {
                            names.add(name);
                        }
                    }
                    if (names.isEmpty()) {
                        throw new IllegalArgumentException(activations + ": tensors: expected at least one "
                                + "layer{L}.pos{P} tensor but found " + reader.tensors().keySet());
                    }
                }
                for (String name : names) {
                    TensorInfo t = reader.info(name);
                    SafetensorsActivations src = new SafetensorsActivations(reader, name);
                    if (src.dim() != sae.d()) {
                        throw new IllegalArgumentException(activations + ": tensor '" + name + "': width: expected d_in = "
                                + sae.d() + " of the SAE " + saePath + " but found " + t.dim(1));
                    }
                    writer.declare(name + ".indices", DType.I32, kk);
                    writer.declare(name + ".values", DType.F32, kk);
                    int chunk = (int) Math.min(chunkRows, src.rows());
                    float[] full = new float[Math.multiplyExact(chunk, src.dim())];
                    for (long r = 0; r < src.rows(); r += chunk) {
                        int n = (int) Math.min(chunk, src.rows() - r);
                        // the last chunk may be shorter: encoders take exactly n rows
                        float[] x = n == chunk ? full : new float[Math.multiplyExact(n, src.dim())];
                        src.read(r, n, x);
                        requireFinite(x, src.dim(), r, name);
                        SparseCodes codes = encoder.encode(sae, x, n, kk);
                        writer.appendRows(name + ".indices", codes.indices(), 0, n * kk);
                        writer.appendRows(name + ".values", codes.values(), 0, n * kk);
                    }
                    outw.printf("%s: %d rows -> %s.indices/.values [%d, %d]%n", name, src.rows(), name, src.rows(), kk);
                }
                reader.metadata().forEach(writer::putMetadata);
                writer.putMetadata("sae", saePath.toString());
                writer.putMetadata("sae_activation", sae.activation().id());
                writer.putMetadata("sae_d_in", Integer.toString(sae.d()));
                writer.putMetadata("sae_latents", Integer.toString(sae.numLatents()));
                writer.putMetadata("k", Integer.toString(kk));
                writer.commit();
            }
            outw.flush();
            return 0;
        } catch (IOException | IllegalArgumentException | UncheckedIOException | ArithmeticException e) {
            err.println("llama-sae encode: " + CliErrors.oneLine(e.getMessage()));
            err.flush();
            return 2;
        }
    }

    /** Refuses NaN and infinite activations, which would otherwise become NaN or infinite codes. */
    private void requireFinite(float[] x, int d, long firstRow, String tensorName) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(activations + ": tensor '" + tensorName + "': values: expected finite activations but "
                        + "found " + x[i] + " at row " + (firstRow + i / d) + ", column " + (i % d)
                        + (Float.isNaN(x[i]) ? " (a gK capture leaves NaN rows for sequences that ended before step K)" : ""));
            }
        }
    }
}
