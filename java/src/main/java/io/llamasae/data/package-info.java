/**
 * Datasets: GSM8K / chain-of-thought / plain-text readers ({@link io.llamasae.data.DatasetReader}), equation parsing
 * ({@link io.llamasae.data.EquationParser}), per-sample operations, operation sequences and whole numbers
 * ({@link io.llamasae.data.Sample}), and a seeded synthetic GSM8K-style generator
 * ({@link io.llamasae.data.SyntheticArithmeticGenerator}). Pure Java, no native code.
 */
package io.llamasae.data;
