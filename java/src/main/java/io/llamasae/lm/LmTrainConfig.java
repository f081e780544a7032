package io.llamasae.lm;

import io.llamasae.model.gguf.GgmlType;

/**
 * How {@link LmTrainer} trains. Build with {@link #builder()}; defaults are the shipped model's.
 *
 * @param seed          seed of the initial weights and of the data order (same seed + data → same model)
 * @param steps         optimizer steps (the learning-rate schedule spans them)
 * @param batchSize     sequences per step
 * @param lr            peak learning rate
 * @param warmupSteps   linear warm-up from 0 to lr
 * @param minLrFraction the cosine decay ends at lr * minLrFraction on the last step
 * @param weightDecay   AdamW decoupled weight decay (matrices only)
 * @param clipNorm      global gradient-norm clip (0 = none)
 * @param beta1         AdamW first-moment decay
 * @param beta2         AdamW second-moment decay
 * @param evalEvery     steps between checkpoints (each with held-out loss and greedy accuracy)
 * @param evalLimit     held-out problems whose greedy accuracy is measured at each checkpoint
 *                      (the final evaluation uses all of them)
 * @param threads       CPU threads (0 = all cores)
 * @param weightType    storage of the written model's matrices: F16, Q8_0 or F32
 */
public record LmTrainConfig(long seed, int steps, int batchSize, float lr, int warmupSteps, float minLrFraction, float weightDecay,
                            float clipNorm, float beta1, float beta2, int evalEvery, int evalLimit, int threads, GgmlType weightType) {
    public LmTrainConfig {
        require(steps >= 1, "--steps", ">= 1", steps);
        require(batchSize >= 1, "--batch", ">= 1", batchSize);
        require(lr > 0 && Float.isFinite(lr), "--lr", "a positive finite number", lr);
        require(warmupSteps >= 0, "--warmup", ">= 0", warmupSteps);
        require(minLrFraction >= 0 && minLrFraction <= 1, "--min-lr-fraction", "a value in [0, 1]", minLrFraction);
        require(weightDecay >= 0 && Float.isFinite(weightDecay), "--weight-decay", ">= 0", weightDecay);
        require(clipNorm >= 0 && Float.isFinite(clipNorm), "--clip", ">= 0 (0 = no clipping)", clipNorm);
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "betas", "values in [0, 1)", beta1 + ", " + beta2);
        require(evalEvery >= 1, "--eval-every", ">= 1", evalEvery);
        require(evalLimit >= 0, "--eval-limit", ">= 0", evalLimit);
        require(threads >= 0, "--threads", ">= 0", threads);
        require(weightType == GgmlType.F16 || weightType == GgmlType.Q8_0 || weightType == GgmlType.F32, "--type", "f16, q8_0 or f32",
                weightType);
    }

    private static void require(boolean ok, String option, String expected, Object found) {
        if (!ok) throw new IllegalArgumentException(option + ": expected " + expected + " but found " + found);
    }

    /** Learning rate of 1-based step {@code step}: linear warm-up, then cosine decay to lr * minLrFraction. */
    public float learningRate(long step) {
        if (step <= warmupSteps) return lr * step / Math.max(1, warmupSteps);
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
        return (float) (lr * (minLrFraction + (1 - minLrFraction) * cosine));
    }

    /** Fields that must not change when a run resumes (everything but threads and evalLimit). */
    public String resumeKey() {
        return "seed=" + seed + " steps=" + steps + " batch=" + batchSize + " lr=" + lr + " warmup=" + warmupSteps + " minLrFraction="
                + minLrFraction + " weightDecay=" + weightDecay + " clip=" + clipNorm + " betas=" + beta1 + "," + beta2 + " evalEvery="
                + evalEvery;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().seed(seed).steps(steps).batchSize(batchSize).lr(lr).warmupSteps(warmupSteps).minLrFraction(minLrFraction)
                .weightDecay(weightDecay).clipNorm(clipNorm).betas(beta1, beta2).evalEvery(evalEvery).evalLimit(evalLimit).threads(threads)
                .weightType(weightType);
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private long seed = 1;
        private int steps = 6000;
        private int batchSize = 64;
        private float lr = 3e-3f;
        private int warmupSteps = 200;
        private float minLrFraction = 0.1f;
        private float weightDecay = 0.1f;
        private float clipNorm = 1.0f;
        private float beta1 = 0.9f;
        private float beta2 = 0.95f;
        private int evalEvery = 250;
        private int evalLimit = 200;
        private int threads = 0;
        private GgmlType weightType = GgmlType.F16;

        public Builder seed(long v) { seed = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder lr(float v) { lr = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder minLrFraction(float v) { minLrFraction = v; return this; }
        public Builder weightDecay(float v) { weightDecay = v; return this; }
        public Builder clipNorm(float v) { clipNorm = v; return this; }
        public Builder betas(float b1, float b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder evalLimit(int v) { evalLimit = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder weightType(GgmlType v) { weightType = v; return this; }

        public LmTrainConfig build() {
            return new LmTrainConfig(seed, steps, batchSize, lr, warmupSteps, minLrFraction, weightDecay, clipNorm, beta1, beta2,
                    evalEvery, evalLimit, threads, weightType);
        }
    }
}
