package io.llamasae.validation;

/**
 * The engine's no-op guarantees, checked on real prompts before any experiment, and the SAE's fidelity.
 *
 * @param prompts                prompts checked
 * @param identitySwap           swapping a latent with itself left every last-token logit bit-identical
 * @param nullAblation           ablating a latent inactive on the edited rows left the logits bit-identical
 * @param scaleOne               scaling an active latent by 1 left the logits bit-identical
 * @param reconstructionFidelity fraction of prompts whose greedy next token (argmax of the last-token
 *                               logits) is unchanged when the residual at the analysed position is
 *                               replaced by its SAE reconstruction decode(encode(h)); 1.0 = the SAE
 *                               is faithful enough not to change any prediction there
 * @param reconstructionMeanKl   mean KL(clean ‖ reconstructed) of those next-token distributions (nats)
 * @param reconstructionCosine   mean cosine between h and decode(encode(h)) at the analysed position
 * @param swapLatent             latent used for the identity swap and the scale-by-1 check
 * @param inactiveLatent         latent used for the null ablation (−1: every latent was active somewhere)
 * @param nullAblationScope      where the null ablation acted: "all" when the experiments edit everywhere and
 *                               the latent was inactive at every prompt position, else "position"
 */
public record SanityChecks(int prompts, boolean identitySwap, boolean nullAblation, boolean scaleOne, double reconstructionFidelity,
                           double reconstructionMeanKl, double reconstructionCosine, int swapLatent, int inactiveLatent,
                           String nullAblationScope) {
    /** Whether the three bit-exact checks passed. */
    public boolean passed() {
        return identitySwap && nullAblation && scaleOne;
    }
}
