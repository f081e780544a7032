package io.llamasae.analysis;

import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.data.SyntheticArithmeticGenerator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Synthetic sparse codes with planted ground truth on a synthetic arithmetic dataset (shared by tests).
 * Latent 0: active exactly on problems using multiplication. 1: problems with a multiplication step directly
 * followed by an addition step. 2: problems containing the whole number 12. 3: division problems that contain
 * 12 (highly specialized). 4: five subtraction problems only (rare, below support). 5..F−1: active at random
 * with feature-specific rates, unrelated to the problem.
 */
public final class PlantedStudy {
    public static final int FEATURES = 48;
    public static final int K = 8;
    public static final int MUL = 0;
    public static final int MUL_THEN_ADD = 1;
    public static final int TWELVE = 2;
    public static final int DIV_AND_TWELVE = 3;
    public static final int RARE_SUB = 4;

    public final List<Sample> samples;
    public final int[] indices;
    public final float[] values;
    public final int[] sampleIndex;

    public PlantedStudy(int n, long seed) {
        samples = new SyntheticArithmeticGenerator(SyntheticArithmeticGenerator.Config.builder().seed(seed).steps(1, 3).operands(2, 30)
                .build()).generate(n);
        SplittableRandom r = new SplittableRandom(seed + 1);
        indices = new int[n * K];
        values = new float[n * K];
        sampleIndex = new int[n];
        double[] rate = new double[FEATURES];
        for (int f = 5; f < FEATURES; f++) {
            rate[f] = 0.02 + 0.9 * r.nextDouble();
        }
        int rareLeft = 5;
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            sampleIndex[i] = i;
            Set<Integer> active = new LinkedHashSet<>();
            if (s.operations().contains(Operation.MULTIPLICATION)) {
                active.add(MUL);
            }
            if (s.operationBigrams().contains("multiplication\u2192addition")) {
                active.add(MUL_THEN_ADD);
            }
            if (s.numbers().contains("12")) {
                active.add(TWELVE);
                if (s.operations().contains(Operation.DIVISION)) {
                    active.add(DIV_AND_TWELVE);
                }
            }
            if (rareLeft > 0 && s.operations().contains(Operation.SUBTRACTION)) {
                active.add(RARE_SUB);
                rareLeft--;
            }
            List<Integer> fill = new ArrayList<>();
            for (int f = 5; f < FEATURES; f++) {
                if (r.nextDouble() < rate[f]) {
                    fill.add(f);
                }
            }
            while (active.size() < K && !fill.isEmpty()) {
                active.add(fill.remove(r.nextInt(fill.size())));
            }
            int j = 0;
            for (int f : active) {
                indices[i * K + j] = f;
                // planted latents fire strongly; signs alternate as the reference's |a| Top-K allows
                values[i * K + j] = (float) ((f < 5 ? 3 + r.nextDouble() : 0.1 + 2 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
                j++;
            }
            for (; j < K; j++) {
                indices[i * K + j] = -1;
            }
        }
    }

    public FeatureStatistics statistics() {
        FeatureStatistics s = new FeatureStatistics(FEATURES);
        s.accumulate(indices, values, samples.size(), K, sampleIndex, null);
        return s;
    }

    public StudyConfig.Builder config() {
        return StudyConfig.builder().layer(2).position(3).bands("1-" + FEATURES).labelTopFeatures(10).saeDescription("planted, K=8, d=48")
                .modelDescription("none (planted codes)").datasetDescription("synthetic arithmetic").analysisDate("2026-01-01");
    }
}
