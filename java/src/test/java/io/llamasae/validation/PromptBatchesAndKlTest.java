package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasae.engine.PromptBatches;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptBatchesAndKlTest {
    @Test
    void batchesRespectPromptCountAndContext() {
        List<String> ids = List.of("a", "b", "c", "d", "e");
        // context 100, 10 new tokens: 30+10, 40+10 fit (90); 20+10 would make 120
        assertEquals(List.of(new PromptBatches.Range(0, 2), new PromptBatches.Range(2, 4), new PromptBatches.Range(4, 5)),
                PromptBatches.plan(new int[] {30, 40, 20, 50, 5}, ids, 8, 100, 10));
        assertEquals(List.of(new PromptBatches.Range(0, 2), new PromptBatches.Range(2, 4), new PromptBatches.Range(4, 5)),
                PromptBatches.plan(new int[] {1, 1, 1, 1, 1}, ids, 2, 100, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptBatches.plan(new int[] {1, 95}, List.of("x", "long"), 8, 100, 10));
        assertTrue(e.getMessage().contains("prompt long: 95 tokens + 10 new tokens exceed the context of 100"), e.getMessage());
    }

    @Test
    void klMatchesTheClosedForm() {
        // P = softmax(0, 0) = (1/2, 1/2), Q = softmax(0, ln 3) = (1/4, 3/4)
        float[] p = {0f, 0f};
        float[] q = {0f, (float) Math.log(3)};
        double expected = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
        assertEquals(expected, LogitDivergence.kl(p, q), 1e-7);
        assertEquals(0.0, LogitDivergence.kl(q, q));
        // shifting all logits leaves the distribution unchanged
        assertEquals(0.0, LogitDivergence.kl(new float[] {1f, 2f, 3f}, new float[] {11f, 12f, 13f}), 1e-12);
        assertEquals(2, LogitDivergence.argmax(new float[] {1f, 2f, 3f, 3f}));
        assertThrows(IllegalArgumentException.class, () -> LogitDivergence.kl(new float[2], new float[3]));
    }
}
