package io.llamasae.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SaeValidationTest {
    private static Sae make(float[] wEnc, float[] threshold, Activation a, int k) {
        return new Sae(2, 3, wEnc, new float[3], new float[6], new float[2], threshold, a, k);
    }

    @Test
    void namesTensorAndFirstBadIndexOfNonFiniteValues() {
        float[] w = new float[6];
        w[3] = Float.NaN; // row 1, column 1
        w[5] = Float.POSITIVE_INFINITY;
        InvalidSaeException e = assertThrows(InvalidSaeException.class, () -> make(w, null, Activation.TOPK_RELU, 2));
        assertEquals("W_enc: expected finite values but found NaN at index [1, 1]", e.getMessage());
        float[] thr = {0, Float.NEGATIVE_INFINITY, 0};
        e = assertThrows(InvalidSaeException.class, () -> make(new float[6], thr, Activation.JUMPRELU, 2));
        assertEquals("threshold: expected finite values but found -Infinity at index [1]", e.getMessage());
    }

    @Test
    void checksShapesKAndThreshold() {
        InvalidSaeException e = assertThrows(InvalidSaeException.class,
                () -> make(new float[5], null, Activation.TOPK_RELU, 2));
        assertEquals("W_enc: expected shape [F, d] = [3, 2] (6 values) but found 5 values", e.getMessage());
        e = assertThrows(InvalidSaeException.class, () -> make(new float[6], null, Activation.TOPK_RELU, 4));
        assertEquals("k: expected 1 <= k <= F = 3 but found 4", e.getMessage());
        assertThrows(InvalidSaeException.class, () -> make(new float[6], null, Activation.JUMPRELU, 2));
        assertThrows(InvalidSaeException.class, () -> make(new float[6], new float[3], Activation.RELU, 2));
    }

    @Test
    void checkWidthExplainsTheMismatch() {
        Sae s = make(new float[6], null, Activation.TOPK_RELU, 2);
        s.checkWidth(2);
        InvalidSaeException e = assertThrows(InvalidSaeException.class, () -> s.checkWidth(2048));
        assertEquals("SAE input width: expected the model's n_embd = 2048 but the SAE has d_in = 2 "
                + "(was it trained on another model?)", e.getMessage());
    }

    @Test
    void foldsPreEncoderBiasInDouble() {
        // b_enc' = b_enc - W_enc b_dec: rows (1, 2), (0, -1), (3, 0); b_dec (0.5, 0.25)
        Sae s = Sae.withPreEncoderBias(2, 3, new float[] {1, 2, 0, -1, 3, 0}, new float[] {1, 1, 1}, new float[6],
                new float[] {0.5f, 0.25f}, null, Activation.TOPK_RELU, 1);
        assertEquals(0f, s.bEnc()[0]);
        assertEquals(1.25f, s.bEnc()[1]);
        assertEquals(-0.5f, s.bEnc()[2]);
    }
}
