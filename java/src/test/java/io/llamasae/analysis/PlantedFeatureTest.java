package io.llamasae.analysis;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sound pipeline recovers planted ground truth and calls everything else general. */
class PlantedFeatureTest {
    @Test
    void soundModeLabelsPlantedLatents() {
        PlantedStudy p = new PlantedStudy(3000, 17);
        StudyResult r = StudyAnalysis.run(p.statistics(), p.samples, p.config().mode(AnalysisMode.SOUND).build());
        Map<Integer, FeatureAnalysis> byId = new HashMap<>();
        r.bands().get(0).features().forEach(f -> byId.put(f.featureId(), f));
        assertEquals(PlantedStudy.FEATURES, byId.size());

        assertEquals("operation-specialized", byId.get(PlantedStudy.MUL).type());
        assertEquals("multiplication", byId.get(PlantedStudy.MUL).description());
        assertEquals("sequence-specialized", byId.get(PlantedStudy.MUL_THEN_ADD).type());
        assertEquals("multiplication\u2192addition", byId.get(PlantedStudy.MUL_THEN_ADD).description());
        assertEquals("value-specialized", byId.get(PlantedStudy.TWELVE).type());
        assertEquals("number 12", byId.get(PlantedStudy.TWELVE).description());
        assertEquals("highly-specialized", byId.get(PlantedStudy.DIV_AND_TWELVE).type());
        assertEquals("division + number 12", byId.get(PlantedStudy.DIV_AND_TWELVE).description());
        assertEquals("insufficient-evidence", byId.get(PlantedStudy.RARE_SUB).type());
        for (int f = 5; f < PlantedStudy.FEATURES; f++) {
            assertEquals("general", byId.get(f).type(), "random latent " + f + ": " + byId.get(f).description());
        }
        assertTrue(r.testsRun() > 1000, "all tests adjusted together: " + r.testsRun());
        // the operation pair proposed: only operation-kind features on different operations → none (one operation feature)
        assertEquals(0, r.bands().get(0).swapPairs().size());
        // evidence is explicit: the multiplication latent's top samples are all multiplication problems
        PatternTest mul = byId.get(PlantedStudy.MUL).evidence().stream().filter(t -> t.pattern().key().equals("multiplication"))
                .findFirst().orElseThrow();
        assertEquals(mul.n(), mul.k());
        assertTrue(mul.qValue() < 1e-10);
    }

    @Test
    void seedModeShowsTheSubstringAndSmallSampleQuirks() {
        PlantedStudy p = new PlantedStudy(3000, 17);
        StudyResult r = StudyAnalysis.run(p.statistics(), p.samples, p.config().mode(AnalysisMode.SEED).build());
        FeatureAnalysis rare = r.bands().get(0).features().stream().filter(f -> f.featureId() == PlantedStudy.RARE_SUB).findFirst()
                .orElseThrow();
        // the reference rules have no support check: 5 samples get a regular label, never insufficient-evidence
        assertTrue(r.bands().get(0).features().stream().noneMatch(f -> f.type().equals(SoundRules.INSUFFICIENT_EVIDENCE)));
        assertEquals(5, rare.scores().totalSamples());
        assertEquals(100.0, rare.scores().operations().get("subtraction"));
        // the value latent counts "12" inside 112, 120, ... in seed mode, never in sound mode
        FeatureAnalysis twelve = r.bands().get(0).features().stream().filter(f -> f.featureId() == PlantedStudy.TWELVE).findFirst()
                .orElseThrow();
        assertEquals(100, twelve.scores().values().get("12"));
        assertEquals(10, r.topLabels().size());
    }
}
