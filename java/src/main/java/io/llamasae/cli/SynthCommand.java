package io.llamasae.cli;

import io.llamasae.data.DatasetReader;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.lm.ArithmeticTask;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae synth}: writes synthetic GSM8K-style problems (jsonl with {@code <<a*b=c>>}
 * annotations and {@code #### n}). {@code --exclude} drops problems whose question appears in other
 * files, which is how held-out sets for {@code train-lm} are made.
 */
@Command(name = "synth", mixinStandardHelpOptions = true, description = "Generate synthetic GSM8K-style arithmetic problems.")
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "D.jsonl", description = "output file (GSM8K jsonl)")
    Path out;

    @Option(names = "--count", defaultValue = "1000", description = "problems to write (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--seed", defaultValue = "42", description = "generator seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--preset", defaultValue = "lm",
            description = "lm: the arithmetic model's task (operands 2..20, results <= 999, 1-3 steps); demo: the demo's defaults "
                    + "(operands 2..50, 1-3 steps) (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--max-operand", description = "largest operand (overrides the preset)")
    Integer maxOperand;

    @Option(names = "--max-result", description = "largest intermediate or final result (overrides the preset)")
    Long maxResult;

    @Option(names = "--max-steps", description = "most equations per problem (overrides the preset)")
    Integer maxSteps;

    @Option(names = "--exclude", split = ",", paramLabel = "F", description = "drop problems whose question appears in these datasets")
    List<Path> exclude = List.of();

    @Override
    public Integer call() {
        if (count < 1) throw new IllegalArgumentException("--count: expected >= 1 but found " + count);
        SyntheticArithmeticGenerator.Config base = switch (preset) {
            case "lm" -> ArithmeticTask.generatorConfig(seed);
            case "demo" -> SyntheticArithmeticGenerator.Config.builder().seed(seed).build();
            default -> throw new IllegalArgumentException("--preset: expected lm or demo but found " + preset);
        };
        SyntheticArithmeticGenerator.Config cfg = new SyntheticArithmeticGenerator.Config(base.seed(), base.operationWeights(),
                base.minOperand(), maxOperand != null ? maxOperand : base.maxOperand(), base.minSteps(),
                maxSteps != null ? maxSteps : base.maxSteps(), base.rareSequence(), base.rareFraction(),
                maxResult != null ? maxResult : base.maxResult());
        Set<String> excluded = new HashSet<>();
        for (Path f : exclude) {
            if (f.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--out " + out + ": expected a file that is not an input but found it in --exclude");
            }
            for (Sample s : DatasetReader.read(f).samples()) excluded.add(s.question());
        }
        List<Sample> kept = new SyntheticArithmeticGenerator(cfg).generateExcluding(count, excluded);
        SyntheticArithmeticGenerator.writeGsm8kJsonl(kept, out);
        System.out.println("wrote " + kept.size() + " problems to " + out);
        return 0;
    }
}
