package io.llamasae.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.SharedData;
import io.llamasae.model.ReferenceLlama;
import io.llamasae.model.TestModelConfig;
import io.llamasae.model.TestModelGenerator;
import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufReader;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SplicedLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spliced-in evaluation (cross-entropy and KL with a layer's residual replaced by its SAE's
 * reconstruction, or by zeros) against cases computed by hand and against the double-precision
 * reference forward ({@link ReferenceLlama}) with the same replacement.
 *
 * <p>The SAEs are "coordinate" SAEs whose reconstruction is known in closed form: 2d latents with
 * encoder and decoder rows +e_i and −e_i, Top-K after ReLU, no biases. Latent i (or d + i) carries
 * |x_i| on the side of x_i's sign, so the reconstruction keeps the k coordinates of largest magnitude
 * and zeros the rest; with k = d it is x itself, exactly (each output coordinate is one product by 1).
 */
class SplicedEvaluationTest {
    static final List<String> TEXTS = List.of("Question: Tom has 12 apples and buys 7 more. How many?\nAnswer:", "20*3=60 | 60+5=65",
            "48/2=24", "7");

    @TempDir
    static Path dir;
    static Path gguf;

    @BeforeAll
    static void model() throws Exception {
        SharedData.requireNatives();
        gguf = dir.resolve("f32.gguf");
        TestModelGenerator.write(TestModelConfig.builder().nLayer(3).nEmbd(64).seed(11).weightType(GgmlType.F32).build(), gguf);
    }

    /** The coordinate SAE: keeps the k coordinates of largest magnitude. */
    static Sae coordinateSae(int d, int k) {
        int f = 2 * d;
        float[] w = new float[f * d];
        for (int i = 0; i < d; i++) {
            w[i * d + i] = 1f;
            w[(d + i) * d + i] = -1f;
        }
        return new Sae(d, f, w, new float[f], w.clone(), new float[d], null, Activation.TOPK_RELU, k);
    }

    private static SplicedLoss evaluate(Engine e, Map<Integer, NativeSae> saes, PassInput input, int batch) {
        return SplicedEvaluation.run(e, saes, input, batch, new SplicedLoss(new ArrayList<>(saes.keySet())), null);
    }

    @Test
    void anExactReconstructionLeavesTheLossUnchangedAndZeroingTheLastLayerGivesLogV() throws Exception {
        try (Model model = Model.load(gguf); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512))) {
            int d = model.info().nEmbd();
            int last = model.info().nLayer() - 1;
            Map<Integer, NativeSae> saes = new LinkedHashMap<>();
            try {
                for (int b = 0; b <= last; b++) saes.put(b, NativeSae.of(coordinateSae(d, d)));
                PassInput input = PassInput.tokenize(e, List.of("a", "b", "c", "d"), TEXTS, 0);
                SplicedLoss loss = evaluate(e, saes, input, 3);
                long tokens = input.tokens().stream().mapToLong(t -> t.length).sum();
                assertEquals(tokens - input.size(), loss.ceTokens(), "next-token predictions: every token but each prompt's last");
                assertEquals(tokens, loss.klTokens());
                for (int b = 0; b <= last; b++) {
                    SplicedLoss.Summary s = loss.summary(b);
                    // x replaced by exactly x: the logits are bit-identical, so the sums are too
                    assertEquals(s.cleanCe(), s.splicedCe(), "layer " + b + ": spliced CE of an exact SAE");
                    assertEquals(0.0, s.splicedKl(), "layer " + b + ": KL of an exact SAE");
                    assertEquals(1.0, s.ceLossRecovered(), "layer " + b);
                    assertTrue(s.zeroCe() != s.cleanCe() && s.zeroKl() > 0, "layer " + b + ": zero ablation changes the distribution");
                }
                // Zeros after the last block: the final norm and the head map them to all-zero logits, a uniform
                // distribution: CE = ln(V) at every token, KL = ln(V) - H(p_clean).
                assertEquals(Math.log(model.info().nVocab()), loss.summary(last).zeroCe(), 1e-9);
                assertTrue(loss.summary(0).cleanCe() > 0);
            } finally {
                saes.values().forEach(NativeSae::close);
            }
        }
    }

    @Test
    void spliceAndZeroAblationMatchTheDoublePrecisionReferenceForward() throws Exception {
        int k = 24;
        try (GgufReader reader = GgufReader.open(gguf); Model model = Model.load(gguf);
             Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512).withKvF32(true))) {
            ReferenceLlama ref = ReferenceLlama.load(reader);
            int d = model.info().nEmbd();
            int nLayer = model.info().nLayer();
            int vocab = model.info().nVocab();
            Map<Integer, NativeSae> saes = new LinkedHashMap<>();
            try {
                for (int b = 0; b < nLayer; b++) saes.put(b, NativeSae.of(coordinateSae(d, k)));
                PassInput input = PassInput.tokenize(e, List.of("a", "b", "c", "d"), TEXTS, 0);
                SplicedLoss loss = evaluate(e, saes, input, 2);
                // The reference: per prompt, clean logits and, per layer, logits with the layer's rows replaced.
                double cleanCe = 0;
                double[] splicedCe = new double[nLayer];
                double[] zeroCe = new double[nLayer];
                double[] splicedKl = new double[nLayer];
                double[] zeroKl = new double[nLayer];
                for (int[] tokens : input.tokens()) {
                    double[][] clean = ref.forward(tokens).logits();
                    cleanCe += crossEntropy(clean, tokens);
                    for (int b = 0; b < nLayer; b++) {
                        int at = b;
                        double[][] spliced = ref.forward(tokens, (layer, rows) -> {
                            if (layer == at) for (double[] row : rows) keepLargest(row, k);
                        }).logits();
                        double[][] zero = ref.forward(tokens, (layer, rows) -> {
                            if (layer == at) for (double[] row : rows) Arrays.fill(row, 0);
                        }).logits();
                        splicedCe[b] += crossEntropy(spliced, tokens);
                        zeroCe[b] += crossEntropy(zero, tokens);
                        splicedKl[b] += kl(clean, spliced);
                        zeroKl[b] += kl(clean, zero);
                    }
                }
                long ceTokens = loss.ceTokens();
                long klTokens = loss.klTokens();
                for (int b = 0; b < nLayer; b++) {
                    SplicedLoss.Summary s = loss.summary(b);
                    String at = "layer " + b;
                    assertEquals(cleanCe / ceTokens, s.cleanCe(), 1e-4 * Math.log(vocab), at + " clean CE");
                    assertEquals(splicedCe[b] / ceTokens, s.splicedCe(), 1e-4 * Math.log(vocab), at + " spliced CE");
                    assertEquals(zeroCe[b] / ceTokens, s.zeroCe(), 1e-4 * Math.log(vocab), at + " zero-ablated CE");
                    assertEquals(splicedKl[b] / klTokens, s.splicedKl(), 1e-5 + 1e-3 * splicedKl[b] / klTokens, at + " spliced KL");
                    assertEquals(zeroKl[b] / klTokens, s.zeroKl(), 1e-5 + 1e-3 * zeroKl[b] / klTokens, at + " zero-ablated KL");
                    double recovered = (zeroCe[b] - splicedCe[b]) / (zeroCe[b] - cleanCe);
                    assertEquals(recovered, s.ceLossRecovered(), 1e-3, at + " CE loss recovered");
                    assertTrue(s.splicedKl() > 0 && s.splicedCe() != s.cleanCe(), at + ": a lossy SAE changes the loss");
                    System.out.printf("layer %d: CE clean %.5f spliced %.5f zero %.5f, KL spliced %.5f zero %.5f, recovered %.4f%n", b,
                            s.cleanCe(), s.splicedCe(), s.zeroCe(), s.splicedKl(), s.zeroKl(), s.ceLossRecovered());
                }
            } finally {
                saes.values().forEach(NativeSae::close);
            }
        }
    }

    @Test
    void badLayersAreRefusedBeforeAnythingRuns() throws Exception {
        try (Model model = Model.load(gguf); Engine e = Engine.open(model, EngineOptions.defaults().withCtx(512));
             NativeSae sae = NativeSae.of(coordinateSae(model.info().nEmbd(), 4))) {
            List<int[]> prompts = List.of(model.tokenize("1+1=2", true));
            LlamaSaeException noSae = assertThrows(LlamaSaeException.class, () -> e.evalSplice(prompts, List.of(1)));
            assertTrue(noSae.getMessage().contains("no SAE attached at layer 1"), noSae.getMessage());
            e.attachSae(1, sae, 0);
            LlamaSaeException range = assertThrows(LlamaSaeException.class, () -> e.evalSplice(prompts, List.of(1, 7)));
            assertTrue(range.getMessage().contains("layer 7 out of range"), range.getMessage());
            // the engine still runs afterwards, and the evaluation did not touch the capture
            assertEquals(1, e.evalSplice(prompts, List.of(1)).summary(1).ceTokens() > 0 ? 1 : 0);
            e.attachSae(1, null, 0);
        }
    }

    /** Σ over t < n − 1 of logsumexp(l_t) − l_t[tok_{t+1}]. */
    static double crossEntropy(double[][] logits, int[] tokens) {
        double sum = 0;
        for (int t = 0; t + 1 < tokens.length; t++) sum += logSumExp(logits[t]) - logits[t][tokens[t + 1]];
        return sum;
    }

    /** Σ over t of KL(softmax(p_t) ‖ softmax(q_t)). */
    static double kl(double[][] p, double[][] q) {
        double sum = 0;
        for (int t = 0; t < p.length; t++) {
            double lp = logSumExp(p[t]);
            double lq = logSumExp(q[t]);
            for (int v = 0; v < p[t].length; v++) sum += Math.exp(p[t][v] - lp) * ((p[t][v] - lp) - (q[t][v] - lq));
        }
        return sum;
    }

    static double logSumExp(double[] l) {
        double m = Arrays.stream(l).max().orElseThrow();
        double s = 0;
        for (double v : l) s += Math.exp(v - m);
        return m + Math.log(s);
    }

    /** Zeros all but the k coordinates of largest magnitude (the coordinate SAE's reconstruction). */
    static void keepLargest(double[] row, int k) {
        Integer[] order = new Integer[row.length];
        for (int i = 0; i < row.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(row[b]), Math.abs(row[a])));
        for (int i = k; i < row.length; i++) row[order[i]] = 0;
    }
}
