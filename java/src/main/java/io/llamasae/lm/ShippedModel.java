package io.llamasae.lm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.io.AtomicFiles;
import io.llamasae.model.gguf.GgmlType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The trained arithmetic model that ships inside the jar (resources {@code io/llamasae/lm/}), its
 * random-init twin, and the card that says how it was made. {@link #extract} copies both GGUFs to
 * a folder, so the demo and the tests need neither training time nor {@code ../shared}.
 *
 * <p>The card records the data recipe, so the held-out problems are regenerable:
 * {@link #heldOutProblems} draws them from the held-out seed, skipping every question of the
 * training set (regenerated from its own seed and count).
 */
public final class ShippedModel {
    private static final String DIR = "/io/llamasae/lm/";
    private static final String CARD = "arith-lm.json";

    private ShippedModel() {
    }

    /**
     * How a synthetic dataset was made: {@code llama-sae synth --preset lm --seed S --count N}.
     *
     * @param seed  generator seed
     * @param count problems
     */
    public record DataRecipe(long seed, int count) {}

    /**
     * What the shipped model is.
     *
     * @param model        resource file of the trained model
     * @param initModel    resource file of the random-init twin (the same weights before training)
     * @param architecture shape of both
     * @param seed         seed of the initial weights and the data order
     * @param weightType   storage of the matrices (F16, Q8_0 or F32)
     * @param steps        optimizer steps trained
     * @param train        training data: {@code synth --preset lm} with this seed and count
     * @param heldOut      held-out data: the same preset with this seed, questions of the training data excluded
     * @param command      the training command
     * @param accuracy     greedy exact-answer accuracy on the held-out problems (all of them), as measured after training
     */
    public record Card(String model, String initModel, LmArchitecture architecture, long seed, String weightType, int steps,
                       DataRecipe train, DataRecipe heldOut, String command, double accuracy) {
        public GgmlType ggmlType() {
            return GgmlType.valueOf(weightType.toUpperCase(Locale.ROOT));
        }
    }

    /** Paths of the extracted files. */
    public record Extracted(Path model, Path initModel) {}

    /** The card of the shipped model. */
    public static Card card() {
        try (InputStream in = resource(CARD)) {
            return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(in, Card.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped model card " + DIR + CARD + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the trained model and its twin into {@code dir} (atomically; a file already there with
     * the same bytes is left alone).
     */
    public static Extracted extract(Path dir) throws IOException {
        Card c = card();
        return new Extracted(copy(c.model(), dir), copy(c.initModel(), dir));
    }

    /** The first {@code n} held-out problems of the card (never seen in training), regenerated. */
    public static List<Sample> heldOutProblems(int n) {
        Card c = card();
        if (n < 1 || n > c.heldOut().count()) {
            throw new IllegalArgumentException("held-out problems: expected 1.." + c.heldOut().count() + " but found " + n);
        }
        return new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(c.heldOut().seed())).generateExcluding(n, trainingQuestions());
    }

    /** The questions of the card's training data, regenerated. */
    public static Set<String> trainingQuestions() {
        Card c = card();
        Set<String> seen = new HashSet<>();
        new SyntheticArithmeticGenerator(ArithmeticTask.generatorConfig(c.train().seed())).forEach(c.train().count(), s -> seen.add(s.question()));
        return seen;
    }

    private static Path copy(String name, Path dir) throws IOException {
        Path out = dir.resolve(name);
        try (InputStream in = resource(name)) {
            byte[] bytes = in.readAllBytes();
            if (Files.isRegularFile(out) && Files.size(out) == bytes.length && java.util.Arrays.equals(Files.readAllBytes(out), bytes)) {
                return out;
            }
            Files.createDirectories(dir);
            AtomicFiles.writeBytes(out, bytes);
        }
        return out;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ShippedModel.class.getResourceAsStream(DIR + name);
        if (in == null) {
            throw new IOException("resource " + DIR + name + " is missing from the jar");
        }
        return in;
    }
}
