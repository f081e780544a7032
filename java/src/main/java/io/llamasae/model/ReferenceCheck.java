package io.llamasae.model;

import io.llamasae.model.gguf.GgufReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a llama.cpp activation dump ({@link LlamaCppDump}) with {@link ReferenceLlama} on the same
 * model and tokens. Usage: {@code ReferenceCheck MODEL.gguf DUMP.bin [maxRelTolerance]}; exits 1 when
 * any layer or the logits exceed the tolerance (max|d|/max|ref|, default 1e-4).
 */
public final class ReferenceCheck {
    private ReferenceCheck() {
    }

    /**
     * Per-tensor comparison of a dump with the reference.
     *
     * @param layers         one entry per layer (l_out-il)
     * @param logits         logits comparison
     * @param argmaxAgreement fraction of positions whose argmax logit agrees
     */
    public record Report(List<ActivationComparison> layers, ActivationComparison logits, double argmaxAgreement) {
        /** Worst max|d|/max|ref| over layers and logits. */
        public double worstRelError() {
            double w = logits.maxRelError();
            for (ActivationComparison c : layers) {
                w = Math.max(w, c.maxRelError());
            }
            return w;
        }
    }

    /** Runs the reference on the dump's tokens and compares every layer output and the logits. */
    public static Report compare(ReferenceLlama ref, LlamaCppDump dump) {
        LlamaHyperParams hp = ref.hyperParams();
        if (dump.nEmbd() != hp.nEmbd() || dump.nVocab() != hp.nVocab() || dump.layerOutputs().length != hp.nLayer()) {
            throw new IllegalArgumentException("dump shape n_embd=" + dump.nEmbd() + " n_vocab=" + dump.nVocab() + " n_layer="
                    + dump.layerOutputs().length + " does not match the model " + hp);
        }
        ReferenceLlama.Result r = ref.forward(dump.tokens());
        List<ActivationComparison> layers = new ArrayList<>();
        for (int il = 0; il < hp.nLayer(); il++) {
            layers.add(ActivationComparison.of(dump.layerOutputs()[il], r.layerOutputs()[il]));
        }
        int agree = 0;
        for (int t = 0; t < r.logits().length; t++) {
            int a = argmax(r.logits()[t]);
            float[] row = Arrays.copyOfRange(dump.logits(), t * hp.nVocab(), (t + 1) * hp.nVocab());
            double[] rowD = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                rowD[i] = row[i];
            }
            agree += argmax(rowD) == a ? 1 : 0;
        }
        return new Report(layers, ActivationComparison.of(dump.logits(), r.logits()), (double) agree / r.logits().length);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ReferenceCheck MODEL.gguf DUMP.bin [maxRelTolerance]");
            System.exit(2);
        }
        double tol = args.length > 2 ? Double.parseDouble(args[2]) : 1e-4;
        Report rep;
        try (GgufReader r = GgufReader.open(Path.of(args[0]))) {
            rep = compare(ReferenceLlama.load(r), LlamaCppDump.read(Path.of(args[1])));
        }
        for (int il = 0; il < rep.layers().size(); il++) {
            System.out.println("l_out-" + il + ": " + rep.layers().get(il));
        }
        System.out.println("logits : " + rep.logits());
        System.out.printf("argmax agreement: %.3f; worst max|d|/max|ref| = %.3e (tolerance %.1e)%n", rep.argmaxAgreement(), rep.worstRelError(), tol);
        System.exit(rep.worstRelError() <= tol ? 0 : 1);
    }
}
