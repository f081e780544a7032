package io.llamasae.sae;

import io.llamasae.analysis.ExactSum;
import java.io.Serializable;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Mergeable sums of a spliced-in SAE evaluation (what SAELens reports as "CE loss recovered"): per
 * evaluated layer, the next-token cross-entropy and the KL divergence to the clean model with the
 * layer's residual stream replaced by its SAE's reconstruction (spliced) or by zeros (zero-ablated),
 * and the clean model's cross-entropy, over every token of the prompts.
 *
 * <p>Definitions (per token t of a prompt of n tokens, as the engine computes them where the logits
 * are, {@code llama_sae_context_eval_splice}): CE_t = logsumexp(l_t) − l_t[token_{t+1}] for t &lt; n − 1;
 * KL_t = Σ_v p_clean(v) (log p_clean(v) − log p(v)) for every t. Means are over every counted
 * token of every prompt (token-weighted), as SAELens' {@code get_downstream_reconstruction_metrics}
 * concatenates its per-token values before taking the mean. Each per-token value was rounded once to
 * a multiple of 2^-40 and summed exactly ({@link ExactSum}), so partitions merge bit for bit.
 */
public final class SplicedLoss implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int CE_SPLICED = 0;
    private static final int KL_SPLICED = 1;
    private static final int CE_ZERO = 2;
    private static final int KL_ZERO = 3;

    private final int[] blocks;       // evaluated llama.cpp blocks, in order
    private long ceTokens;
    private long klTokens;
    private final long[] cleanCe = new long[2];
    private final long[] sums;        // (hi, lo) pairs, 4 per block: CE spliced, KL spliced, CE zero, KL zero

    /** Empty sums for these blocks (distinct). */
    public SplicedLoss(List<Integer> blocks) {
        if (blocks.isEmpty()) throw new IllegalArgumentException("spliced loss: expected at least one layer but found none");
        this.blocks = blocks.stream().mapToInt(Integer::intValue).toArray();
        if (Arrays.stream(this.blocks).distinct().count() != this.blocks.length) {
            throw new IllegalArgumentException("spliced loss: expected distinct layers but found " + blocks);
        }
        this.sums = new long[8 * this.blocks.length];
    }

    /** The evaluated blocks, in order. */
    public List<Integer> blocks() {
        return Arrays.stream(blocks).boxed().toList();
    }

    /**
     * Adds sums computed elsewhere with these definitions (one engine evaluation of the same blocks):
     * {@code cleanCe: [2]} and {@code sums: [8 · blocks]} (hi, lo) words, in the engine's layout.
     */
    public void mergePartial(long ceTokens, long klTokens, LongBuffer cleanCe, LongBuffer sums) {
        if (sums.limit() < this.sums.length || cleanCe.limit() < 2) {
            throw new IllegalArgumentException("spliced loss merge: expected " + this.sums.length + " sum words but found " + sums.limit());
        }
        this.ceTokens += ceTokens;
        this.klTokens += klTokens;
        ExactSum.addPair(this.cleanCe, 0, cleanCe.get(0), cleanCe.get(1));
        for (int i = 0; i < this.sums.length / 2; i++) ExactSum.addPair(this.sums, i, sums.get(2 * i), sums.get(2 * i + 1));
    }

    /** Folds {@code other} (the same blocks, other prompts) into this; returns this. */
    public SplicedLoss merge(SplicedLoss other) {
        if (!Arrays.equals(blocks, other.blocks)) {
            throw new IllegalArgumentException("spliced loss merge: expected layers " + blocks() + " but found " + other.blocks());
        }
        mergePartial(other.ceTokens, other.klTokens, LongBuffer.wrap(other.cleanCe), LongBuffer.wrap(other.sums));
        return this;
    }

    /** Next-token predictions counted (Σ over prompts of length − 1). */
    public long ceTokens() {
        return ceTokens;
    }

    /** Positions counted for the KL divergence (Σ of prompt lengths). */
    public long klTokens() {
        return klTokens;
    }

    /** The means at one evaluated block. */
    public Summary summary(int block) {
        int i = indexOf(block);
        return new Summary(ceTokens, klTokens, mean(cleanCe, 0, ceTokens), mean(sums, 4 * i + CE_SPLICED, ceTokens),
                mean(sums, 4 * i + CE_ZERO, ceTokens), mean(sums, 4 * i + KL_SPLICED, klTokens), mean(sums, 4 * i + KL_ZERO, klTokens));
    }

    private int indexOf(int block) {
        for (int i = 0; i < blocks.length; i++) if (blocks[i] == block) return i;
        throw new IllegalArgumentException("spliced loss: layer " + block + " was not evaluated (evaluated: " + blocks() + ")");
    }

    private static double mean(long[] acc, int i, long n) {
        return n == 0 ? Double.NaN : ExactSum.toDouble(acc, i) / n;
    }

    /**
     * The means over the evaluated tokens (NaN without tokens).
     *
     * @param ceTokens  next-token predictions counted
     * @param klTokens  positions counted for the KL divergence
     * @param cleanCe   mean cross-entropy of the clean model (nats per token)
     * @param splicedCe mean cross-entropy with the SAE spliced in
     * @param zeroCe    mean cross-entropy with the residual zero-ablated
     * @param splicedKl mean KL(clean ‖ spliced)
     * @param zeroKl    mean KL(clean ‖ zero-ablated)
     */
    public record Summary(long ceTokens, long klTokens, double cleanCe, double splicedCe, double zeroCe, double splicedKl, double zeroKl) {
        /**
         * SAELens' {@code ce_loss_score}: (CE_zero − CE_spliced) / (CE_zero − CE_clean); 1 = the SAE keeps all
         * the loss the layer carries, 0 = no better than zeros (NaN when zero ablation costs nothing).
         */
        public double ceLossRecovered() {
            double denominator = zeroCe - cleanCe;
            return denominator == 0 ? Double.NaN : (zeroCe - splicedCe) / denominator;
        }

        /** SAELens' {@code kl_div_score}: (KL_zero − KL_spliced) / KL_zero (NaN when KL_zero is 0). */
        public double klScore() {
            return zeroKl == 0 ? Double.NaN : (zeroKl - splicedKl) / zeroKl;
        }
    }
}
