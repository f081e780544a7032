package io.llamasae.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.analysis.AnalysisMode;
import org.junit.jupiter.api.Test;

/** The report's verdicts: a label survives the control only when the trained model has clearly more; otherwise the prose says so. */
class ControlComparisonTest {
    @Test
    void aCountSurvivesOnlyWhenTheTrainedModelHasClearlyMore() {
        assertTrue(ControlComparison.separates(14, 0));
        assertTrue(ControlComparison.separates(43, 8));
        assertTrue(ControlComparison.separates(2, 0));
        assertFalse(ControlComparison.separates(1, 0), "one feature is not a finding");
        assertFalse(ControlComparison.separates(9, 7));
        assertFalse(ControlComparison.separates(15, 7), "twice the control plus two is the bar");
        assertTrue(ControlComparison.separates(16, 7));
    }

    @Test
    void theProseSaysWhenTheControlShowsTheSameLabel() {
        String seed = ControlComparison.countVerdict(9, 7, "operation-specialized", AnalysisMode.SEED);
        assertEquals("9 operation-specialized on the trained model, 7 on the control: the control shows it too "
                + "(seed-mode operation-specialized labels do not separate the two)", seed);
        assertTrue(ControlComparison.countVerdict(14, 0, "operation-specialized", AnalysisMode.SOUND).endsWith(": survives the control"));
        assertTrue(ControlComparison.countVerdict(3, 20, "value-specialized", AnalysisMode.SOUND).endsWith(": the control has more"));
        assertEquals("no highly-specialized feature on either model",
                ControlComparison.countVerdict(0, 0, "highly-specialized", AnalysisMode.SOUND));
    }
}
