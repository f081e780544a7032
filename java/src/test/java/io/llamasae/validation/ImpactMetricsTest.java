package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.engine.Edit;
import io.llamasae.sae.Activation;
import io.llamasae.sae.Sae;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImpactMetricsTest {
    /** d = 2, F = 3: W_dec rows (1, 2), (−3, 0.5), (0, 4). */
    static Sae tiny() {
        float[] wDec = {1f, 2f, -3f, 0.5f, 0f, 4f};
        return new Sae(2, 3, new float[6], new float[3], wDec, new float[] {0.25f, -1f}, null, Activation.TOPK_RELU, 2);
    }

    @Test
    void handComputedAblationOverTwoSamples() {
        Sae sae = tiny();
        // row 0: z_0 = 2, z_1 = 1; row 1: z_2 = 0.5 (latent 0 inactive), slot 2 padding
        int[] idx = {0, 1, 2, -1};
        float[] val = {2f, 1f, 0.5f, 0f};
        ImpactMetrics.Accumulator acc = new ImpactMetrics.Accumulator();
        List<Edit> ablate0 = List.of(Edit.ablate(0, 0));
        // row 0: Δ = −2·(1, 2) = (−2, −4): mean|Δ| 3, max 4, ‖Δ‖ = sqrt(20)
        CodeEdits.RowChange c0 = CodeEdits.apply(idx, val, 2, 0, ablate0, 0);
        assertEquals(Map.of(0, -2.0), c0.codeChange());
        ImpactMetrics.SampleImpact s0 = ImpactMetrics.of(sae, c0);
        assertEquals(3.0, s0.meanAbs(), 0);
        assertEquals(4.0, s0.maxAbs(), 0);
        assertEquals(Math.sqrt(20), s0.l2(), 1e-15);
        // row 1: latent 0 inactive, nothing changes
        CodeEdits.RowChange c1 = CodeEdits.apply(idx, val, 2, 1, ablate0, 0);
        assertTrue(c1.isNoOp());
        assertSame(ImpactMetrics.SampleImpact.ZERO, ImpactMetrics.of(sae, c1));
        acc.add(s0);
        acc.add(ImpactMetrics.of(sae, c1));
        ImpactMetrics.Summary sum = acc.summary();
        assertEquals(2, sum.samples());
        assertEquals(1, sum.changedSamples());
        assertEquals(1.5, sum.meanImpact(), 0);
        assertEquals(4.0, sum.maxImpact(), 0);
        assertEquals(Math.sqrt(20) / 2, sum.meanL2(), 1e-15);
    }

    @Test
    void deltaEqualsDifferenceOfReconstructions() {
        Sae sae = tiny();
        int[] idx = {1, 2};
        float[] val = {1f, 0.5f};
        List<Edit> edits = List.of(Edit.scale(0, 1, 3f), Edit.clamp(0, 0, 1.5f));
        double[] delta = ImpactMetrics.delta(sae, CodeEdits.apply(idx, val, 2, 0, edits, 0));
        // z = (0, 1, 0.5), z' = (1.5, 3, 0.5): decode(z') − decode(z) = 1.5·(1,2) + 2·(−3,0.5)
        assertEquals(1.5 - 6, delta[0], 1e-12);
        assertEquals(3 + 1, delta[1], 1e-12);
    }

    @Test
    void editSemanticsFollowTheEngine() {
        int[] idx = {4, 7, -1};
        float[] val = {2f, -3f, 0f};
        // swap reads the original code on both sides
        assertEquals(Map.of(4, -5.0, 7, 5.0), CodeEdits.apply(idx, val, 3, 0, List.of(Edit.swap(0, 4, 7)), 0).codeChange());
        // swapping a latent with itself, scaling by 1 and ablating an inactive latent change nothing
        assertTrue(CodeEdits.apply(idx, val, 3, 0, List.of(Edit.swap(0, 4, 4), Edit.scale(0, 7, 1f), Edit.ablate(0, 9)), 0).isNoOp());
        // a later edit of the same latent wins; edits of another block are ignored
        assertEquals(Map.of(4, 8.0), CodeEdits.apply(idx, val, 3, 0, List.of(Edit.ablate(0, 4), Edit.clamp(0, 4, 10f),
                Edit.ablate(1, 7)), 0).codeChange());
        // clamp acts on an inactive latent; steering is kept apart from the code
        CodeEdits.RowChange r = CodeEdits.apply(idx, val, 3, 0, List.of(Edit.clamp(0, 9, 1f), Edit.steer(0, 2, 0.5f)), 0);
        assertEquals(Map.of(9, 1.0), r.codeChange());
        assertEquals(Map.of(2, 0.5), r.steering());
    }

    @Test
    void steeringImpactIsAlphaTimesTheDecoderRow() {
        ImpactMetrics.SampleImpact s = ImpactMetrics.of(tiny(), CodeEdits.apply(new int[] {0}, new float[] {1f}, 1, 0,
                List.of(Edit.steer(0, 2, -2f)), 0));
        assertEquals(4.0, s.meanAbs(), 0);  // −2·(0, 4) = (0, −8)
        assertEquals(8.0, s.maxAbs(), 0);
    }

    @Test
    void emptyDeltaIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ImpactMetrics.of(new double[0]));
    }

    @Test
    void thresholdsClassifyTheReferenceFileAsStored() throws Exception {
        Path ref = SharedData.require("reference/seed/validation_results_layer14_pos3.json");
        JsonNode root = new ObjectMapper().readTree(ref.toFile());
        ImpactThresholds t = ImpactThresholds.defaults();
        int checked = 0;
        for (String list : new String[] {"general_features", "specialized_features"}) {
            for (JsonNode f : root.get(list)) {
                assertEquals(f.get("classification").asText(), t.classify(f.get("mean_impact").asDouble()), "feature " + f.get("feature_id"));
                checked++;
            }
        }
        assertEquals(15, checked);
        assertEquals(ImpactThresholds.HIGH, t.classify(0.1000001));
        assertEquals(ImpactThresholds.MEDIUM, t.classify(0.1));
        assertEquals(ImpactThresholds.MINIMAL, t.classify(0.01));
        assertThrows(IllegalArgumentException.class, () -> new ImpactThresholds(0.01, 0.1));
    }
}
