package io.llamasae.analysis;

import java.util.List;

/**
 * Sound-mode thresholds. A pattern is <em>enriched</em> in a feature iff
 * q < {@code maxQ} and share >= {@code minShare} and (lift >= {@code minLift} or share >= {@code dominantShare}).
 * The last clause lets a pattern whose base rate is too high for a lift of 2 (addition is in ~70 % of
 * GSM8K problems) still count when nearly all top samples carry it.
 *
 * @param minSupport          active samples needed for any label other than insufficient-evidence (10)
 * @param maxQ                BH-adjusted p-value threshold (0.05)
 * @param minLift             share / base rate needed (2.0)
 * @param minShare            share of top samples needed (0.5)
 * @param dominantShare       share that counts even without the lift (0.9)
 * @param values              numbers to test; empty = chosen from the data (see next two) (empty)
 * @param minValueBaseCount   data-driven values: dataset samples a number must occur in (10)
 * @param maxValueCandidates  data-driven values: at most this many, most frequent first (50)
 */
public record SoundThresholds(int minSupport, double maxQ, double minLift, double minShare, double dominantShare,
                              List<String> values, int minValueBaseCount, int maxValueCandidates) {
    public SoundThresholds {
        values = List.copyOf(values);
        if (minSupport < 1 || !(maxQ > 0 && maxQ <= 1) || !(minLift > 0) || !(minShare >= 0 && minShare <= 1)
                || !(dominantShare >= 0 && dominantShare <= 1) || minValueBaseCount < 1 || maxValueCandidates < 0) {
            throw new IllegalArgumentException("sound thresholds: expected minSupport>=1, 0<maxQ<=1, minLift>0, shares in [0,1], "
                    + "minValueBaseCount>=1, maxValueCandidates>=0 but found " + this);
        }
    }

    public static SoundThresholds defaults() {
        return new SoundThresholds(10, 0.05, 2.0, 0.5, 0.9, List.of(), 10, 50);
    }

    public SoundThresholds withMinSupport(int v) {
        return new SoundThresholds(v, maxQ, minLift, minShare, dominantShare, values, minValueBaseCount, maxValueCandidates);
    }

    public SoundThresholds withMaxQ(double v) {
        return new SoundThresholds(minSupport, v, minLift, minShare, dominantShare, values, minValueBaseCount, maxValueCandidates);
    }

    public SoundThresholds withMinLift(double v) {
        return new SoundThresholds(minSupport, maxQ, v, minShare, dominantShare, values, minValueBaseCount, maxValueCandidates);
    }

    public SoundThresholds withMinShare(double v) {
        return new SoundThresholds(minSupport, maxQ, minLift, v, dominantShare, values, minValueBaseCount, maxValueCandidates);
    }

    public SoundThresholds withDominantShare(double v) {
        return new SoundThresholds(minSupport, maxQ, minLift, minShare, v, values, minValueBaseCount, maxValueCandidates);
    }

    public SoundThresholds withValues(List<String> v) {
        return new SoundThresholds(minSupport, maxQ, minLift, minShare, dominantShare, v, minValueBaseCount, maxValueCandidates);
    }

    /** The enrichment rule of the class comment. */
    public boolean isEnriched(double q, double share, double lift) {
        return q < maxQ && share >= minShare && (lift >= minLift || share >= dominantShare);
    }
}
