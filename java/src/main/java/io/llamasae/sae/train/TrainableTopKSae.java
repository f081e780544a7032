package io.llamasae.sae.train;

import io.llamasae.sae.Activation;
import io.llamasae.sae.JavaEncoder;
import io.llamasae.sae.Sae;
import io.llamasae.sae.SaeMetrics;
import io.llamasae.sae.TopKSelector;
import java.util.Arrays;
import java.util.Random;

/**
 * Parameters, gradients and optimiser state of one Top-K SAE being trained, with a sparse
 * forward/backward step: only the k selected latents (and the AuxK latents) of each row get
 * gradients.
 *
 * <p>Model (Gao et al. 2024, "Scaling and evaluating sparse autoencoders", §2):
 * {@code pre = W_enc (x - b_dec) + b_enc}, {@code z = TopK(pre)}, {@code x_hat = b_dec + W_dec^T z}.
 * Loss per batch of b rows, normalised by the data set's mean per-row variance v (so the main
 * term is the FVU):
 * {@code L = (1 / (b v)) sum_rows ( ||x - x_hat||^2 + alpha * s * ||e - e_hat||^2 )}
 * where {@code e = x - x_hat} (constant), {@code e_hat = W_dec^T TopK_aux(pre restricted to dead
 * latents)} (AuxK, Gao et al. §A.2, no bias), and {@code s = min(dead / k_aux, 1)} (sparsify's
 * scaling when few latents are dead).
 * Not thread-safe; one instance per model, stepped by one thread at a time.
 */
final class TrainableTopKSae {
    final TrainConfig cfg;
    final int d;
    final int nl;
    private final int k;
    private final int kAux;
    private final long deadTokens;
    private final double lr;
    private final boolean abs;

    final float[] wEnc; // [F, d]
    final float[] bEnc; // [F]
    final float[] wDec; // [F, d], rows unit-norm when cfg.normalizeDecoder()
    final float[] bDec; // [d]
    private final float[] gWEnc;
    private final float[] gBEnc;
    private final float[] gWDec;
    private final float[] gBDec;
    private final AdamState aWEnc;
    private final AdamState aBEnc;
    private final AdamState aWDec;
    private final AdamState aBDec;
    private long t; // optimiser steps taken

    private final long[] tokensSinceFired; // [F]
    private final boolean[] dead;          // [F], recomputed each step
    private final boolean[] firedInBatch;  // [F]
    private final boolean[] touched;       // [F], rows with a nonzero gradient this step

    // Per-row scratch.
    private final float[] u;     // x - b_dec
    private final float[] pre;   // [F]
    private final float[] xHat;  // [d]
    private final float[] g;     // [d], dL/dx_hat
    private final float[] ga;    // [d], AuxK gradient
    private final int[] chosen;
    private final float[] zs;
    private final int[] auxChosen;
    private final TopKSelector selector;

    SaeMetrics epochMetrics;
    int epochSteps;
    int epochAuxSteps;

    TrainableTopKSae(TrainConfig cfg, int d, long rows, float[] bDecInit) {
        this.cfg = cfg;
        this.d = d;
        this.nl = cfg.latents();
        this.k = cfg.k();
        this.kAux = Math.min(cfg.effectiveAuxK(d), nl);
        this.deadTokens = cfg.effectiveDeadTokens(rows);
        this.lr = cfg.effectiveLr();
        this.abs = cfg.activation() == Activation.TOPK_ABS;
        long fd = Math.multiplyExact((long) nl, d);
        if (fd > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("latents x d: expected at most 2^31 - 9 weights but found " + fd);
        }
        wEnc = new float[(int) fd];
        bEnc = new float[nl];
        wDec = new float[(int) fd];
        bDec = bDecInit.clone();
        gWEnc = new float[(int) fd];
        gBEnc = new float[nl];
        gWDec = new float[(int) fd];
        gBDec = new float[d];
        aWEnc = new AdamState((int) fd);
        aBEnc = new AdamState(nl);
        aWDec = new AdamState((int) fd);
        aBDec = new AdamState(d);
        tokensSinceFired = new long[nl];
        dead = new boolean[nl];
        firedInBatch = new boolean[nl];
        touched = new boolean[nl];
        u = new float[d];
        pre = new float[nl];
        xHat = new float[d];
        g = new float[d];
        ga = new float[d];
        chosen = new int[k];
        zs = new float[k];
        auxChosen = new int[kAux];
        selector = new TopKSelector(Math.max(k, kAux), nl);
        initWeights();
    }

    /**
     * Decoder rows: random Gaussian directions normalised to unit length; encoder initialised to
     * the decoder's transpose (Gao et al. §2.3 / sparsify), b_enc = 0.
     */
    private void initWeights() {
        long mix = cfg.seed() * 0x9E3779B97F4A7C15L + cfg.latents() * 1_000_003L + cfg.k() * 7919L
                + cfg.activation().ordinal();
        Random rng = new Random(mix);
        for (int f = 0; f < nl; f++) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                float v = (float) rng.nextGaussian();
                wDec[f * d + i] = v;
                norm += (double) v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(Math.max(norm, 1e-30)));
            for (int i = 0; i < d; i++) {
                wDec[f * d + i] *= inv;
            }
        }
        System.arraycopy(wDec, 0, wEnc, 0, wDec.length);
    }

    /**
     * Warm start from an existing SAE (resume or fine-tune): copies its weights; the folded bias
     * is unfolded back to {@code b_enc = b_enc' + W_enc b_dec} because training encodes x - b_dec.
     */
    void loadFrom(Sae init) {
        if (init.d() != d || init.numLatents() != nl || init.activation() != cfg.activation()) {
            throw new IllegalArgumentException("initial SAE: expected d=" + d + ", F=" + nl + ", "
                    + cfg.activation().id() + " but found d=" + init.d() + ", F=" + init.numLatents() + ", "
                    + init.activation().id());
        }
        System.arraycopy(init.wEnc(), 0, wEnc, 0, wEnc.length);
        System.arraycopy(init.wDec(), 0, wDec, 0, wDec.length);
        System.arraycopy(init.bDec(), 0, bDec, 0, d);
        for (int f = 0; f < nl; f++) {
            double acc = init.bEnc()[f];
            for (int i = 0; i < d; i++) {
                acc += (double) wEnc[f * d + i] * bDec[i];
            }
            bEnc[f] = (float) acc;
        }
        if (cfg.normalizeDecoder()) {
            normalizeDecoderRows();
        }
    }

    void startEpoch() {
        epochMetrics = new SaeMetrics(d, nl);
        epochSteps = 0;
        epochAuxSteps = 0;
    }

    /** One optimiser step on rows {@code x[0 .. b*d)}; {@code meanRowVariance} is v above. */
    void step(float[] x, int b, double meanRowVariance) {
        Arrays.fill(gWEnc, 0f);
        Arrays.fill(gBEnc, 0f);
        Arrays.fill(gWDec, 0f);
        Arrays.fill(gBDec, 0f);
        Arrays.fill(firedInBatch, false);
        Arrays.fill(touched, false);
        int numDead = 0;
        for (int f = 0; f < nl; f++) {
            dead[f] = tokensSinceFired[f] >= deadTokens;
            if (dead[f]) {
                numDead++;
            }
        }
        boolean auxOn = cfg.auxKCoef() > 0 && numDead > 0;
        int kAuxNow = Math.min(kAux, numDead);
        float gradScale = (float) (2.0 / (b * meanRowVariance));
        float auxScale = (float) (gradScale * cfg.auxKCoef() * Math.min((double) numDead / kAux, 1.0));

        for (int r = 0; r < b; r++) {
            int xo = r * d;
            for (int i = 0; i < d; i++) {
                u[i] = x[xo + i] - bDec[i];
            }
            JavaEncoder.preActivations(wEnc, bEnc, d, nl, u, 0, pre);
            float[] keys = selector.keys();
            for (int f = 0; f < nl; f++) {
                keys[f] = abs ? Math.abs(pre[f]) : pre[f];
            }
            selector.select(k, null, chosen);
            // Forward: x_hat = b_dec + sum_j z_j W_dec[f_j].
            System.arraycopy(bDec, 0, xHat, 0, d);
            for (int j = 0; j < k; j++) {
                int f = chosen[j];
                float z = abs ? pre[f] : Math.max(pre[f], 0f);
                zs[j] = z;
                if (z != 0f) {
                    firedInBatch[f] = true;
                    axpy(z, wDec, f * d, xHat, 0);
                }
            }
            epochMetrics.addRow(x, xo, xHat, 0, chosen, zs, 0, k);
            // Backward of the main term: g = dL/dx_hat = 2 (x_hat - x) / (b v).
            for (int i = 0; i < d; i++) {
                g[i] = (xHat[i] - x[xo + i]) * gradScale;
                gBDec[i] += g[i];
            }
            for (int j = 0; j < k; j++) {
                backpropLatent(chosen[j], zs[j], g);
            }
            if (auxOn) {
                // AuxK: reconstruct the residual e = x - x_hat from the top k_aux dead latents.
                int m = selector.select(kAuxNow, dead, auxChosen);
                Arrays.fill(ga, 0f);
                for (int j = 0; j < m; j++) {
                    int f = auxChosen[j];
                    float z = abs ? pre[f] : Math.max(pre[f], 0f);
                    if (z != 0f) {
                        axpy(z, wDec, f * d, ga, 0); // ga holds e_hat for now
                    }
                }
                for (int i = 0; i < d; i++) {
                    float e = x[xo + i] - xHat[i];
                    ga[i] = (ga[i] - e) * auxScale;
                }
                for (int j = 0; j < m; j++) {
                    int f = auxChosen[j];
                    backpropLatent(f, abs ? pre[f] : Math.max(pre[f], 0f), ga);
                }
            }
        }
        for (int f = 0; f < nl; f++) {
            tokensSinceFired[f] = firedInBatch[f] ? 0 : tokensSinceFired[f] + b;
        }
        if (cfg.normalizeDecoder()) {
            removeParallelGradient();
        }
        t++;
        aWEnc.step(wEnc, gWEnc, lr, cfg.adamBeta1(), cfg.adamBeta2(), cfg.adamEps(), t);
        aBEnc.step(bEnc, gBEnc, lr, cfg.adamBeta1(), cfg.adamBeta2(), cfg.adamEps(), t);
        aWDec.step(wDec, gWDec, lr, cfg.adamBeta1(), cfg.adamBeta2(), cfg.adamEps(), t);
        aBDec.step(bDec, gBDec, lr, cfg.adamBeta1(), cfg.adamBeta2(), cfg.adamEps(), t);
        if (cfg.normalizeDecoder()) {
            normalizeDecoderRows();
        }
        epochSteps++;
        if (auxOn) {
            epochAuxSteps++;
        }
    }

    /**
     * Gradients through latent f with code z and upstream {@code gx = dL/dx_hat}:
     * dL/dW_dec[f] += z gx; dL/dz = gx·W_dec[f]; through the activation (ReLU mask for topk-relu,
     * identity for topk-abs) to dL/dpre = delta; dL/dW_enc[f] += delta u; dL/db_enc[f] += delta;
     * dL/db_dec -= delta W_enc[f] (b_dec also enters pre through x - b_dec).
     */
    private void backpropLatent(int f, float z, float[] gx) {
        int o = f * d;
        float gz = JavaEncoder.dot(gx, 0, wDec, o, d);
        touched[f] = true;
        if (z != 0f) {
            axpy(z, gx, 0, gWDec, o);
        }
        float delta = (abs || pre[f] > 0f) ? gz : 0f;
        if (delta != 0f) {
            axpy(delta, u, 0, gWEnc, o);
            gBEnc[f] += delta;
            axpy(-delta, wEnc, o, gBDec, 0);
        }
    }

    /**
     * Gao et al. 2024 §2.3 (and sparsify's remove_gradient_parallel_to_decoder_directions): with
     * unit-norm decoder rows, drop the gradient component along each row so the step changes the
     * direction, not the norm; rows are renormalised after the step.
     */
    private void removeParallelGradient() {
        for (int f = 0; f < nl; f++) {
            if (!touched[f]) {
                continue; // zero gradient
            }
            int o = f * d;
            float p = JavaEncoder.dot(gWDec, o, wDec, o, d);
            axpy(-p, wDec, o, gWDec, o);
        }
    }

    private void normalizeDecoderRows() {
        for (int f = 0; f < nl; f++) {
            int o = f * d;
            double n2 = 0;
            for (int i = 0; i < d; i++) {
                n2 += (double) wDec[o + i] * wDec[o + i];
            }
            if (n2 > 0) {
                float inv = (float) (1.0 / Math.sqrt(n2));
                for (int i = 0; i < d; i++) {
                    wDec[o + i] *= inv;
                }
            }
        }
    }

    /** y[yo..yo+d) += a * x[xo..xo+d). */
    private void axpy(float a, float[] x, int xo, float[] y, int yo) {
        for (int i = 0; i < d; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /** Number of latents currently counted dead (no firing for the dead-token threshold). */
    int currentlyDead() {
        int c = 0;
        for (long s : tokensSinceFired) {
            if (s >= deadTokens) {
                c++;
            }
        }
        return c;
    }

    /** The trained weights in canonical layout (b_dec pre-bias folded into b_enc). */
    Sae toSae() {
        return Sae.withPreEncoderBias(d, nl, wEnc.clone(), bEnc.clone(), wDec.clone(), bDec.clone(), null,
                cfg.activation(), k);
    }
}
