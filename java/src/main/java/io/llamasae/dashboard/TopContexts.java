package io.llamasae.dashboard;

import io.llamasae.analysis.TopSample;
import io.llamasae.data.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A feature's top contexts: for each of its strongest samples (ranked at the analysed position), the
 * tokens the model read in a window around that position with the feature's code on every token: at
 * the analysed position the code the first pass captured (what the sample was ranked by), elsewhere
 * the {@link ContextPass}'s codes.
 */
public final class TopContexts {
    private TopContexts() {}

    /**
     * One context.
     *
     * @param sampleIndex   index into the dataset
     * @param problemId     the sample's id
     * @param position      token position the sample was ranked at (the anchor)
     * @param windowStart   position of {@code tokens[0]} in the prompt
     * @param tokens        token texts of the window
     * @param activations   the feature's code on each token of the window (0 = not among the token's top-k)
     * @param anchorIndex   index of {@code position} inside the window
     * @param maxIndex      index of the largest |activation| inside the window (Neuronpedia's maxValueTokenIndex)
     * @param ranked        the activation the sample was ranked by (from the first pass, at the anchor)
     * @param cot           the chain of thought the labels are computed from
     */
    public record Context(int sampleIndex, String problemId, int position, int windowStart, List<String> tokens, float[] activations,
                          int anchorIndex, int maxIndex, float ranked, String cot) {
        public float maxValue() {
            return activations[maxIndex];
        }

        public String anchorToken() {
            return tokens.get(anchorIndex);
        }
    }

    /**
     * @param top     the feature's top samples, best first (as ranked by the first pass)
     * @param n       contexts to build
     * @param codes   the context pass's codes of this block, per sample index
     * @param before  tokens shown before the anchor
     * @param after   tokens shown after it
     */
    public static List<Context> build(int feature, List<TopSample> top, int n, Map<Integer, ContextPass.TokenCodes> codes,
                                      IntFunction<String> piece, List<Sample> samples, int before, int after) {
        List<Context> out = new ArrayList<>();
        for (TopSample t : top.subList(0, Math.min(n, top.size()))) {
            ContextPass.TokenCodes c = codes.get(t.sampleIndex());
            if (c == null) {
                throw new IllegalStateException("context pass has no codes for sample " + t.sampleIndex() + " (top sample of feature " + feature + ")");
            }
            int len = c.tokens().length;
            if (t.position() < 0 || t.position() >= len) {
                throw new IllegalStateException("feature " + feature + ": top sample " + t.sampleIndex() + " was ranked at position "
                        + t.position() + " but its prompt has " + len + " tokens");
            }
            int from = Math.max(0, t.position() - before);
            int to = Math.min(len, t.position() + after + 1);
            List<String> tokens = new ArrayList<>(to - from);
            float[] acts = new float[to - from];
            int maxIndex = t.position() - from;
            for (int p = from; p < to; p++) {
                tokens.add(piece.apply(c.tokens()[p]));
                // at the anchor, the code the sample was ranked by (the first pass's capture); llama.cpp's numbers move in the
                // last bits with how prompts are packed into a decode call, and the anchor must show exactly the captured code
                acts[p - from] = p == t.position() ? t.activation() : c.activation(p, feature);
                if (Math.abs(acts[p - from]) > Math.abs(acts[maxIndex])) maxIndex = p - from;
            }
            Sample s = samples.get(t.sampleIndex());
            out.add(new Context(t.sampleIndex(), s.id(), t.position(), from, tokens, acts, t.position() - from, maxIndex, t.activation(),
                    s.cot()));
        }
        return out;
    }
}
