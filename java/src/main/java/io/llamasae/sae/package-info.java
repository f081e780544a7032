/**
 * Sparse autoencoders in pure Java: the canonical weights ({@link io.llamasae.sae.Sae}), loaders
 * for SAELens / sparsify / reference-study / dictionary_learning files
 * ({@link io.llamasae.sae.SaeLoader}) and an SAELens writer, encoders following the shared numeric
 * contracts ({@link io.llamasae.sae.ReferenceEncoder} — the double-precision oracle —,
 * {@link io.llamasae.sae.JavaEncoder}, chosen through {@link io.llamasae.sae.Encoders}), and
 * pooled quality metrics ({@link io.llamasae.sae.SaeMetrics}). Subpackages: {@code safetensors}
 * (validated memory-mapped reader, atomic and streaming writers) and {@code train} (Top-K SAE
 * training with AuxK, grids from one data pass).
 */
package io.llamasae.sae;
