package io.llamasae.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for the contract, then JavaEncoder checked against the reference. */
class ReferenceEncoderTest {
    // d = 2, F = 4: W_enc rows e0, e1, e0 + e1, -e0.
    private static final float[] W_ENC = {1, 0, 0, 1, 1, 1, -1, 0};
    private static final float[] W_DEC = {1, 0, 0, 1, 0.5f, 0.5f, 0, -1};
    private static final float[] B_DEC = {0.1f, -0.1f};

    private static Sae sae(Activation a, float[] bEnc, float[] threshold) {
        return new Sae(2, 4, W_ENC, bEnc, W_DEC, B_DEC, threshold, a, 2);
    }

    private static Sae sae(Activation a) {
        return sae(a, new float[4], a == Activation.JUMPRELU ? new float[] {2.5f, 0.5f, 2.5f, 0f} : null);
    }

    private static void expect(Sae s, float[] x, int k, int[] idx, float[] val) {
        for (Encoder e : new Encoder[] {new ReferenceEncoder(), new JavaEncoder()}) {
            SparseCodes c = e.encode(s, x, 1, k);
            assertArrayEquals(idx, c.indices(), e.getClass().getSimpleName() + " indices");
            assertArrayEquals(val, c.values(), e.getClass().getSimpleName() + " values");
        }
    }

    @Test
    void topkReluOrdersByPreWithTiesToLowerIndex() {
        // x = (2, 1): pre = (2, 1, 3, -2)
        expect(sae(Activation.TOPK_RELU), new float[] {2, 1}, 2, new int[] {2, 0}, new float[] {3, 2});
        // x = (1, 1): pre = (1, 1, 2, -1); f0 and f1 tie, f0 first; K = F keeps f3 with value max(-1, 0) = 0.
        expect(sae(Activation.TOPK_RELU), new float[] {1, 1}, 3, new int[] {2, 0, 1}, new float[] {2, 1, 1});
        expect(sae(Activation.TOPK_RELU), new float[] {1, 1}, 4, new int[] {2, 0, 1, 3}, new float[] {2, 1, 1, 0});
        // All negative but one: x = (-1, -1): pre = (-1, -1, -2, 1) -> f3, then tie f0/f1 -> f0 with value 0.
        expect(sae(Activation.TOPK_RELU), new float[] {-1, -1}, 2, new int[] {3, 0}, new float[] {1, 0});
        // Encoder bias: b_enc = (1.5, 0, 0, 0), x = (2, 1): pre = (3.5, 1, 3, -2).
        expect(sae(Activation.TOPK_RELU, new float[] {1.5f, 0, 0, 0}, null), new float[] {2, 1}, 2,
                new int[] {0, 2}, new float[] {3.5f, 3});
    }

    @Test
    void topkAbsKeepsSignAndOrdersByMagnitude() {
        // pre = (2, 1, 3, -2): |pre| = (2, 1, 3, 2); tie f0/f3 -> f0 first.
        expect(sae(Activation.TOPK_ABS), new float[] {2, 1}, 2, new int[] {2, 0}, new float[] {3, 2});
        expect(sae(Activation.TOPK_ABS), new float[] {2, 1}, 3, new int[] {2, 0, 3}, new float[] {3, 2, -2});
        expect(sae(Activation.TOPK_ABS), new float[] {2, 1}, 4, new int[] {2, 0, 3, 1}, new float[] {3, 2, -2, 1});
        // x = (-3, 0): pre = (-3, 0, -3, 3): |pre| ties at 3 for f0, f2, f3 -> in index order.
        expect(sae(Activation.TOPK_ABS), new float[] {-3, 0}, 2, new int[] {0, 2}, new float[] {-3, -3});
    }

    @Test
    void reluAndJumpReluPadInactiveSlots() {
        // pre = (2, 1, 3, -2): active f2, f0, f1, then one padding slot.
        expect(sae(Activation.RELU), new float[] {2, 1}, 4, new int[] {2, 0, 1, -1}, new float[] {3, 2, 1, 0});
        expect(sae(Activation.RELU), new float[] {2, 1}, 2, new int[] {2, 0}, new float[] {3, 2});
        // thresholds (2.5, 0.5, 2.5, 0): f0 (2 > 2.5) no, f1 (1 > 0.5) yes, f2 (3 > 2.5) yes, f3 no.
        expect(sae(Activation.JUMPRELU), new float[] {2, 1}, 4, new int[] {2, 1, -1, -1}, new float[] {3, 1, 0, 0});
        // Exactly at the threshold is inactive: x = (2.5, 0.75) -> pre = (2.5, 0.75, 3.25, -2.5); f0 = 2.5 is
        // not > 2.5, f1 and f2 are active.
        expect(sae(Activation.JUMPRELU), new float[] {2.5f, 0.75f}, 3, new int[] {2, 1, -1},
                new float[] {3.25f, 0.75f, 0});
        // Nothing active: all padding.
        expect(sae(Activation.RELU), new float[] {0, 0}, 3, new int[] {-1, -1, -1}, new float[] {0, 0, 0});
    }

    @Test
    void decodeAddsDecoderRowsToBias() {
        Sae s = sae(Activation.RELU);
        SparseCodes c = new SparseCodes(1, 3, new int[] {2, 0, -1}, new float[] {2, 1, 0});
        // b_dec + 2 * (0.5, 0.5) + 1 * (1, 0) = (0.1 + 2, -0.1 + 1)
        float[] expected = {2.1f, 0.9f};
        assertArrayEquals(expected, ReferenceEncoder.decode(s, c), 1e-7f);
        assertArrayEquals(expected, JavaEncoder.decode(s, c), 1e-6f);
    }

    @Test
    void rejectsKOutsideOneToF() {
        Sae s = sae(Activation.TOPK_RELU);
        InvalidSaeException e = assertThrows(InvalidSaeException.class,
                () -> new ReferenceEncoder().encode(s, new float[2], 1, 5));
        assertEquals("k: expected 1 <= k <= F = 4 but found 5", e.getMessage());
        assertThrows(InvalidSaeException.class, () -> new JavaEncoder().encode(s, new float[2], 1, 0));
        assertThrows(InvalidSaeException.class, () -> new JavaEncoder().encode(s, new float[3], 2, 2));
    }

    /** Integer weights and inputs make float and double pre-activations exact: many exact ties. */
    @Test
    void javaEncoderMatchesReferenceExactlyOnTieHeavyIntegers() {
        Random rng = new Random(3);
        int d = 8, nl = 48, n = 300;
        for (Activation a : Activation.values()) {
            float[] wEnc = ints(rng, nl * d, 2);
            float[] bEnc = ints(rng, nl, 2);
            float[] thr = a == Activation.JUMPRELU ? ints(rng, nl, 2) : null;
            Sae s = new Sae(d, nl, wEnc, bEnc, ints(rng, nl * d, 2), ints(rng, d, 1), thr, a, 5);
            float[] x = ints(rng, n * d, 2);
            for (int k : new int[] {1, 5, 17, nl}) {
                SparseCodes ref = new ReferenceEncoder().encode(s, x, n, k);
                SparseCodes fast = new JavaEncoder().encode(s, x, n, k);
                assertArrayEquals(ref.indices(), fast.indices(), a + " k=" + k);
                assertArrayEquals(ref.values(), fast.values(), a + " k=" + k);
                assertArrayEquals(ReferenceEncoder.decode(s, ref), JavaEncoder.decode(s, fast), 1e-4f);
            }
        }
    }

    @Test
    void javaEncoderMatchesReferenceOnRandomFloats() {
        Random rng = new Random(11);
        int d = 24, nl = 96, n = 200;
        for (Activation a : Activation.values()) {
            float[] thr = a == Activation.JUMPRELU ? gauss(rng, nl, 0.5) : null;
            Sae s = new Sae(d, nl, gauss(rng, nl * d, 1), gauss(rng, nl, 0.3), gauss(rng, nl * d, 1),
                    gauss(rng, d, 0.1), thr, a, 12);
            float[] x = gauss(rng, n * d, 1);
            SparseCodes ref = new ReferenceEncoder().encode(s, x, n, 12);
            SparseCodes fast = new JavaEncoder().encode(s, x, n, 12);
            assertArrayEquals(ref.indices(), fast.indices(), a.id());
            assertArrayEquals(ref.values(), fast.values(), 1e-4f, a.id());
        }
    }

    static float[] ints(Random rng, int len, int max) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = rng.nextInt(2 * max + 1) - max;
        }
        return a;
    }

    static float[] gauss(Random rng, int len, double scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (scale * rng.nextGaussian());
        }
        return a;
    }
}
