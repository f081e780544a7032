/**
 * The arithmetic language model: a small llama-architecture transformer trained from random init
 * on synthetic chain-of-thought arithmetic, so the study has a model that computes and a control
 * that does not.
 *
 * <p>{@link io.llamasae.lm.ArithmeticTask} defines the task (prompt, target, generator preset) and
 * {@link io.llamasae.lm.ArithmeticVocabulary} its digit-level tokenizer;
 * {@link io.llamasae.lm.NativeLm} is the native trainer (forward/backward by hand on the project's
 * kernels, {@code native/src/lm}); {@link io.llamasae.lm.LmTrainer} runs training with checkpoints
 * and resume and writes the GGUF ({@link io.llamasae.lm.LmGguf}) and the random-init twin
 * ({@link io.llamasae.lm.LmInit}); {@link io.llamasae.lm.GreedyAccuracy} measures held-out accuracy
 * through llama.cpp; {@link io.llamasae.lm.ShippedModel} hands out the trained model and its twin
 * that ship in the jar.
 */
package io.llamasae.lm;
