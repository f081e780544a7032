package io.llamasae.analysis;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of one (layer, position) study; build with {@link #builder()}.
 *
 * @param layer             layer index as the user gave it
 * @param layerConvention   how {@code layer} is numbered, e.g. "llama.cpp block" or "hf hidden_states"
 * @param position          token position analysed
 * @param bands             rank bands to analyse (default 50-200, 400-512)
 * @param mode              seed or sound (default sound)
 * @param seedThresholds    thresholds for seed mode
 * @param soundThresholds   thresholds for sound mode
 * @param feasibility       experiment feasibility settings
 * @param saeDescription    free text stored as {@code sae_config}, e.g. "K=100, d=512"
 * @param modelDescription  free text for the report
 * @param datasetDescription free text for the report
 * @param analysisDate      ISO date stored in the JSON (default today, UTC)
 * @param labelTopFeatures  how many top-frequency features get a first-stage label (20)
 * @param scoredTopSamples  top samples per feature used for scoring (100, as the reference)
 * @param storedTopSamples  top samples per feature written to JSON and Markdown (10, as the reference)
 */
public record StudyConfig(int layer, String layerConvention, int position, List<RankBand> bands, AnalysisMode mode,
                          SeedThresholds seedThresholds, SoundThresholds soundThresholds, FeasibilityConfig feasibility,
                          String saeDescription, String modelDescription, String datasetDescription, String analysisDate,
                          int labelTopFeatures, int scoredTopSamples, int storedTopSamples) {
    public StudyConfig {
        bands = List.copyOf(bands);
        Objects.requireNonNull(mode, "mode");
        if (bands.isEmpty()) {
            throw new IllegalArgumentException("bands: expected at least one rank band but found none");
        }
        if (labelTopFeatures < 0 || scoredTopSamples < 1 || storedTopSamples < 0) {
            throw new IllegalArgumentException("expected labelTopFeatures >= 0, scoredTopSamples >= 1, storedTopSamples >= 0 but found "
                    + labelTopFeatures + ", " + scoredTopSamples + ", " + storedTopSamples);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; every field has the default named in the record comment. */
    public static final class Builder {
        private int layer;
        private String layerConvention = "llama.cpp block";
        private int position;
        private List<RankBand> bands = RankBand.parseList("50-200,400-512");
        private AnalysisMode mode = AnalysisMode.SOUND;
        private SeedThresholds seed = SeedThresholds.defaults();
        private SoundThresholds sound = SoundThresholds.defaults();
        private FeasibilityConfig feasibility = FeasibilityConfig.defaults();
        private String sae = "unknown SAE";
        private String model = "unknown model";
        private String dataset = "unknown dataset";
        private String date = LocalDate.now(ZoneOffset.UTC).toString();
        private int labelTop = 20;
        private int scored = 100;
        private int stored = 10;

        public Builder layer(int v) { layer = v; return this; }
        public Builder layerConvention(String v) { layerConvention = v; return this; }
        public Builder position(int v) { position = v; return this; }
        public Builder bands(List<RankBand> v) { bands = v; return this; }
        public Builder bands(String spec) { bands = RankBand.parseList(spec); return this; }
        public Builder mode(AnalysisMode v) { mode = v; return this; }
        public Builder seedThresholds(SeedThresholds v) { seed = v; return this; }
        public Builder soundThresholds(SoundThresholds v) { sound = v; return this; }
        public Builder feasibility(FeasibilityConfig v) { feasibility = v; return this; }
        public Builder saeDescription(String v) { sae = v; return this; }
        public Builder modelDescription(String v) { model = v; return this; }
        public Builder datasetDescription(String v) { dataset = v; return this; }
        public Builder analysisDate(String v) { date = v; return this; }
        public Builder labelTopFeatures(int v) { labelTop = v; return this; }
        public Builder scoredTopSamples(int v) { scored = v; return this; }
        public Builder storedTopSamples(int v) { stored = v; return this; }

        public StudyConfig build() {
            return new StudyConfig(layer, layerConvention, position, bands, mode, seed, sound, feasibility, sae, model, dataset, date,
                    labelTop, scored, stored);
        }
    }
}
