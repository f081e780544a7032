package io.llamasae.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Seeded generator of GSM8K-style word problems: each problem is a chain of integer steps
 * ({@code a op b = r}, then {@code r op c = r'}, ...), written as a question, a worked answer with
 * {@code <<a*b=c>>} annotations and {@code #### n}. Results are always non-negative integers
 * (subtraction never goes below zero, division is exact). Same config and seed → same problems.
 */
public final class SyntheticArithmeticGenerator {

    /**
     * Generator settings.
     *
     * @param seed            random seed
     * @param operationWeights relative frequency of each operation for free steps (missing = 0)
     * @param minOperand      smallest operand drawn (>= 1)
     * @param maxOperand      largest operand drawn
     * @param minSteps        fewest equations per problem (>= 1)
     * @param maxSteps        most equations per problem
     * @param rareSequence    operation sequence forced on a fraction of problems (empty = none)
     * @param rareFraction    fraction of problems that follow {@code rareSequence} exactly
     * @param maxResult       largest intermediate or final result; a chain that exceeds it is drawn
     *                        again (operations included). Default {@value #DEFAULT_MAX_RESULT}
     */
    public record Config(long seed, Map<Operation, Double> operationWeights, int minOperand, int maxOperand, int minSteps,
                         int maxSteps, List<Operation> rareSequence, double rareFraction, long maxResult) {
        /** Cap on results when none is configured (keeps every value well inside a long). */
        public static final long DEFAULT_MAX_RESULT = 1_000_000_000L;

        public Config {
            operationWeights = Map.copyOf(operationWeights);
            rareSequence = List.copyOf(rareSequence);
            double total = operationWeights.values().stream().mapToDouble(Double::doubleValue).sum();
            if (!(total > 0) || operationWeights.values().stream().anyMatch(w -> w < 0 || !Double.isFinite(w))) {
                throw new IllegalArgumentException("operationWeights: expected non-negative finite weights with a positive sum but found "
                        + operationWeights);
            }
            if (minOperand < 1 || maxOperand < minOperand) {
                throw new IllegalArgumentException("operands: expected 1 <= min <= max but found " + minOperand + ".." + maxOperand);
            }
            if (minSteps < 1 || maxSteps < minSteps) {
                throw new IllegalArgumentException("steps: expected 1 <= min <= max but found " + minSteps + ".." + maxSteps);
            }
            if (rareFraction < 0 || rareFraction > 1) {
                throw new IllegalArgumentException("rareFraction: expected a value in [0,1] but found " + rareFraction);
            }
            if (rareFraction > 0 && rareSequence.isEmpty()) {
                throw new IllegalArgumentException("rareFraction > 0 needs a non-empty rareSequence");
            }
            if (maxResult < maxOperand || maxResult > DEFAULT_MAX_RESULT) {
                throw new IllegalArgumentException("maxResult: expected maxOperand (" + maxOperand + ") <= maxResult <= "
                        + DEFAULT_MAX_RESULT + " but found " + maxResult);
            }
        }

        /** Equal operation mix, operands 2..50, 1..3 steps, no forced pattern. */
        public static Builder builder() {
            return new Builder();
        }
    }

    /** Builder with documented defaults (see {@link Config#builder()}). */
    public static final class Builder {
        private long seed = 42;
        private final Map<Operation, Double> weights = new EnumMap<>(Operation.class);
        private int minOperand = 2;
        private int maxOperand = 50;
        private int minSteps = 1;
        private int maxSteps = 3;
        private List<Operation> rareSequence = List.of();
        private double rareFraction = 0;
        private long maxResult = Config.DEFAULT_MAX_RESULT;

        Builder() {
            for (Operation op : Operation.values()) {
                weights.put(op, 1.0);
            }
        }

        public Builder seed(long s) { seed = s; return this; }
        public Builder weight(Operation op, double w) { weights.put(op, w); return this; }
        public Builder operands(int min, int max) { minOperand = min; maxOperand = max; return this; }
        public Builder steps(int min, int max) { minSteps = min; maxSteps = max; return this; }
        public Builder oversample(List<Operation> sequence, double fraction) { rareSequence = sequence; rareFraction = fraction; return this; }
        public Builder maxResult(long m) { maxResult = m; return this; }
        public Config build() {
            return new Config(seed, weights, minOperand, maxOperand, minSteps, maxSteps, rareSequence, rareFraction, maxResult);
        }
    }

    private static final String[] NAMES = {"Ava", "Ben", "Carla", "Dev", "Elif", "Finn", "Gita", "Hugo", "Ines", "Jon"};
    private static final String[] ITEMS = {"apples", "marbles", "stickers", "books", "coins", "shells", "pencils", "cards"};

    private final Config config;

    public SyntheticArithmeticGenerator(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Generates {@code count} problems with ids {@code synth_0..}. */
    public List<Sample> generate(int count) {
        List<Sample> out = new ArrayList<>(Math.max(0, count));
        forEach(count, out::add);
        return out;
    }

    /** Hands the problems of {@link #generate} to {@code sink} one by one, without holding them all. */
    public void forEach(int count, java.util.function.Consumer<Sample> sink) {
        if (count < 1) {
            throw new IllegalArgumentException("count: expected >= 1 but found " + count);
        }
        SplittableRandom rnd = new SplittableRandom(config.seed());
        PromptTemplate tpl = PromptTemplate.defaultTemplate();
        for (int i = 0; i < count; i++) {
            boolean rare = config.rareFraction() > 0 && rnd.nextDouble() < config.rareFraction();
            Problem p = null;
            for (int attempt = 0; attempt < 1000 && p == null; attempt++) {
                List<Operation> ops = rare ? config.rareSequence() : drawOperations(rnd);
                p = tryBuild(rnd, ops);
            }
            if (p == null) {
                throw new IllegalStateException("could not build an exact integer chain for the configured operations after 1000 tries");
            }
            String q = p.question();
            sink.accept(Sample.of("synth_" + i, tpl.render(q), q, p.equations(), p.answer().toPlainString()));
        }
    }

    /**
     * The first {@code count} problems of this generator's stream whose question is not in
     * {@code excludedQuestions} (how held-out sets are made: a question never seen in training).
     * Ids stay those of the stream ({@code synth_i}).
     *
     * @throws IllegalArgumentException when the stream runs out of new questions (the configured
     *                                  problem space is too small)
     */
    public List<Sample> generateExcluding(int count, java.util.Set<String> excludedQuestions) {
        if (count < 1) {
            throw new IllegalArgumentException("count: expected >= 1 but found " + count);
        }
        List<Sample> kept = new ArrayList<>();
        // generate(n) is a prefix of generate(m > n): draw more until enough survive the exclusion
        for (long drawn = count; kept.size() < count; drawn *= 2) {
            if (drawn > 16L * count + 100_000) {
                throw new IllegalArgumentException("only " + kept.size() + " of " + count + " problems have questions outside the "
                        + excludedQuestions.size() + " excluded ones after drawing " + drawn / 2 + "; the problem space is too small");
            }
            kept.clear();
            for (Sample s : generate((int) drawn)) {
                if (!excludedQuestions.contains(s.question())) {
                    kept.add(s);
                    if (kept.size() == count) {
                        break;
                    }
                }
            }
        }
        return kept;
    }

    /**
     * Writes samples as GSM8K jsonl (atomically: temp file + rename), with a {@code prompt} field when
     * a sample's prompt is not the default template applied to its question.
     */
    public static void writeGsm8kJsonl(List<Sample> samples, Path file) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) {
            ObjectNode n = json.createObjectNode();
            n.put("question", s.question());
            StringBuilder ans = new StringBuilder();
            for (Equation e : s.equations()) {
                String lhs = e.text().substring(0, e.text().indexOf('='));
                ans.append("So ").append(lhs).append(" = <<").append(e.text()).append(">>")
                        .append(Equation.canonical(e.result())).append(".\n");
            }
            ans.append("#### ").append(s.answer());
            n.put("answer", ans.toString());
            if (!s.prompt().equals(PromptTemplate.defaultTemplate().render(s.question()))) n.put("prompt", s.prompt());
            sb.append(n).append('\n');
        }
        io.llamasae.io.AtomicFiles.writeString(file, sb.toString());
    }

    private record Problem(String question, List<Equation> equations, BigDecimal answer) {
    }

    private List<Operation> drawOperations(SplittableRandom rnd) {
        int steps = config.minSteps() + rnd.nextInt(config.maxSteps() - config.minSteps() + 1);
        List<Operation> ops = new ArrayList<>(steps);
        double total = 0;
        for (double w : config.operationWeights().values()) {
            total += w;
        }
        for (int s = 0; s < steps; s++) {
            double u = rnd.nextDouble() * total;
            Operation pick = null;
            for (Operation op : Operation.values()) {
                double w = config.operationWeights().getOrDefault(op, 0.0);
                if (w > 0) {
                    pick = op;
                    if (u < w) {
                        break;
                    }
                    u -= w;
                }
            }
            ops.add(pick);
        }
        return ops;
    }

    /** Builds one chain or returns null when an exact step is impossible (e.g. a prime before a division). */
    private Problem tryBuild(SplittableRandom rnd, List<Operation> ops) {
        String name = NAMES[rnd.nextInt(NAMES.length)];
        String item = ITEMS[rnd.nextInt(ITEMS.length)];
        List<Equation> eqs = new ArrayList<>();
        StringBuilder q = new StringBuilder();
        long cur = -1;
        for (int s = 0; s < ops.size(); s++) {
            Operation op = ops.get(s);
            long a;
            long b;
            if (s == 0) {
                b = operand(rnd);
                a = op == Operation.DIVISION ? b * operand(rnd) : operand(rnd);
                if (op == Operation.SUBTRACTION && a < b) {
                    long t = a; a = b; b = t;
                }
                q.append(name).append(" has ").append(a).append(' ').append(item).append(". ");
            } else {
                a = cur;
                b = switch (op) {
                    case SUBTRACTION -> a < 1 ? -1 : 1 + rnd.nextInt((int) Math.min(a, config.maxOperand()));
                    case DIVISION -> divisor(rnd, a);
                    default -> operand(rnd);
                };
                if (b < 1) {
                    return null;
                }
            }
            long r = switch (op) {
                case ADDITION -> a + b;
                case SUBTRACTION -> a - b;
                case MULTIPLICATION -> a * b;
                case DIVISION -> a / b;
            };
            if (r > config.maxResult()) {
                return null;
            }
            q.append(sentence(op, name, item, b, s == 0)).append(' ');
            String text = a + String.valueOf(op.symbol()) + b + "=" + r;
            eqs.add(EquationParser.parse(text));
            cur = r;
        }
        q.append("How many ").append(item).append(" does ").append(name).append(" have now?");
        return new Problem(q.toString(), eqs, BigDecimal.valueOf(cur));
    }

    private long operand(SplittableRandom rnd) {
        return config.minOperand() + rnd.nextInt(config.maxOperand() - config.minOperand() + 1);
    }

    /** A divisor of {@code a} in [2, maxOperand] (1 only when a itself is below 2), or -1. */
    private long divisor(SplittableRandom rnd, long a) {
        List<Long> ds = new ArrayList<>();
        for (long d = 2; d <= Math.min(a, config.maxOperand()); d++) {
            if (a % d == 0) {
                ds.add(d);
            }
        }
        return ds.isEmpty() ? -1 : ds.get(rnd.nextInt(ds.size()));
    }

    private static String sentence(Operation op, String name, String item, long b, boolean first) {
        String it = first ? "They" : "Then they";
        return switch (op) {
            case ADDITION -> it + " get " + b + " more " + item + ".";
            case SUBTRACTION -> it + " give away " + b + " " + item + ".";
            case MULTIPLICATION -> it + " end up with " + b + " times as many " + item + ".";
            case DIVISION -> it + " share them equally among " + b + " friends and keep one share.";
        };
    }
}
