package io.llamasae.lm;

import io.llamasae.data.Equation;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;
import io.llamasae.engine.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The task the arithmetic model learns: the prompt is the question in the default template
 * ({@code "Question: ...\nAnswer:"}); the model must generate the chain of thought and the answer,
 * {@code " 7+5=12 | 12*3=36 #### 36"}, then end-of-sequence. Accuracy is the exact final answer
 * under greedy decoding.
 *
 * <p>The problems come from {@link SyntheticArithmeticGenerator} with the {@link #generatorConfig}
 * preset: all four operations equally likely, one to three steps, operands 2..20 and every
 * result at most 999, so numbers stay within three digits (a multiplication by a 2-digit operand
 * only happens where the product fits).
 */
public final class ArithmeticTask {
    public static final int MIN_OPERAND = 2;
    public static final int MAX_OPERAND = 20;
    public static final long MAX_RESULT = 999;
    public static final int MIN_STEPS = 1;
    public static final int MAX_STEPS = 3;

    private ArithmeticTask() {
    }

    /** The generator settings of the task (the defaults of {@code llama-sae synth --preset lm}). */
    public static SyntheticArithmeticGenerator.Config generatorConfig(long seed) {
        return SyntheticArithmeticGenerator.Config.builder().seed(seed).operands(MIN_OPERAND, MAX_OPERAND)
                .steps(MIN_STEPS, MAX_STEPS).maxResult(MAX_RESULT).build();
    }

    /** What the model must generate after the prompt: {@code " a*b=c | c+d=e #### e"}. */
    public static String target(Sample s) {
        if (s.equations().isEmpty() || s.answer().isBlank()) {
            throw new IllegalArgumentException("sample " + s.id() + ": expected a chain of thought (equations) and an answer "
                    + "but found " + (s.equations().isEmpty() ? "no equations" : "no answer"));
        }
        List<String> steps = new ArrayList<>();
        for (Equation e : s.equations()) {
            steps.add(e.text());
        }
        return " " + String.join(" | ", steps) + " #### " + s.answer();
    }

    /**
     * Tokenizes prompt and target with the model's own (llama.cpp) tokenizer, BOS first and EOS
     * last. The prompt's tokens must be a prefix of the whole text's tokens, so that generation
     * from the prompt continues exactly as training saw it.
     */
    public static LmExample encode(Model tokenizer, Sample s) {
        int[] prompt = tokenizer.tokenize(s.prompt(), true);
        int[] whole = tokenizer.tokenize(s.prompt() + target(s), true);
        if (whole.length <= prompt.length || !Arrays.equals(prompt, Arrays.copyOf(whole, prompt.length))) {
            throw new IllegalArgumentException("sample " + s.id() + ": the prompt's tokens are not a prefix of prompt + answer "
                    + "(the vocabulary merges across the boundary)");
        }
        int[] tokens = Arrays.copyOf(whole, whole.length + 1);
        tokens[whole.length] = tokenizer.info().eosToken();
        return new LmExample(s.id(), tokens, prompt.length);
    }

    /** {@link #encode} for every sample; a sequence longer than {@code nCtx} is an error naming the sample. */
    public static List<LmExample> encodeAll(Model tokenizer, List<Sample> samples, int nCtx) {
        List<LmExample> out = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            LmExample e = encode(tokenizer, s);
            if (e.length() > nCtx) {
                throw new IllegalArgumentException("sample " + s.id() + ": expected at most --ctx " + nCtx + " tokens but found "
                        + e.length());
            }
            out.add(e);
        }
        return out;
    }
}
