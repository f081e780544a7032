/**
 * Study outputs, all written atomically: the reference JSON files ({@link io.llamasae.report.StudyJson}), the Markdown
 * report ({@link io.llamasae.report.MarkdownReport}), PNG plots ({@link io.llamasae.report.StudyPlots}), the entry point
 * {@link io.llamasae.report.StudyReportWriter#write}, and relabelling of stored files without the model
 * ({@link io.llamasae.report.StoredRelabeler}).
 */
package io.llamasae.report;
