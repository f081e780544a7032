/**
 * Feature statistics and the specialization study: mergeable per-feature statistics over sparse Top-K codes
 * ({@link io.llamasae.analysis.FeatureStatistics}), frequency ranking and rank bands, the reference rules
 * ({@link io.llamasae.analysis.SeedRules}) and the corrected ones ({@link io.llamasae.analysis.SoundRules}), swap-pair
 * feasibility, causal statistics (McNemar, bootstrap), and the pipeline entry point
 * {@link io.llamasae.analysis.StudyAnalysis#run}. Pure Java.
 */
package io.llamasae.analysis;
