/**
 * Feature dashboards and interop exports.
 *
 * <p>One (layer, position) is a <em>section</em>. {@code analyze} builds one with
 * {@link io.llamasae.dashboard.FeatureDashboard#forStudy} and writes it with
 * {@link io.llamasae.dashboard.DashboardWriter#write}. A multi-layer caller (sweep, demo) runs one
 * context pass for all its blocks and writes sections one at a time, then the site once:
 * <pre>{@code
 * DashboardOptions o = DashboardOptions.defaults().withBatch(batch);
 * SortedSet<Integer> wanted = new TreeSet<>();
 * for (FeatureStatistics s : statsPerBlock.values()) wanted.addAll(FeatureDashboard.contextSamples(s, o));
 * ContextPass.Result ctx = ContextPass.run(engine, nativeSaesPerBlock, samples, wanted, o.batch());
 * IntFunction<String> text = id -> TokenText.of(engine.model(), id);            // cache it for big vocabularies
 * for (each block b with its StudyConfig cfg (layer as the user numbers it, position), stats, Sae) {
 *     FeatureDashboard.Section s = FeatureDashboard.build(
 *             new FeatureDashboard.SectionSource(b, cfg, stats, sae, engine.model().path(), text), samples, ctx, validationOrNull, o);
 *     DashboardWriter.writeSection(out.resolve("dashboard"), s);
 * }
 * DashboardWriter.writeSite(out.resolve("dashboard"), title);
 * }</pre>
 * Links into the index: {@code dashboard/index.html#layer=L&pos=P} (filters to that section); to a
 * feature: {@code dashboard/feature.html?s=layer{L}_pos{P}&f={F}}.
 *
 * <p>{@link io.llamasae.dashboard.DelphiCacheWriter} streams sparse codes into an EleutherAI Delphi
 * latent cache ({@code addSequence} per prompt, {@code addRows} per batch, {@code commit});
 * {@link io.llamasae.dashboard.DelphiCacheExport} converts a capture's codes file.
 */
package io.llamasae.dashboard;
