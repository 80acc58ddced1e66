package dev.tokenmeter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DESIGN's conformance values for tiny, seed 42: every backend must reproduce these bits. */
class SyntheticCheckpointTest {
    private static final long SEED = 42;
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    private static final SyntheticCheckpoint CKPT = new SyntheticCheckpoint(TINY, SEED);

    private static float[] firstFour(TensorKind kind, int layer) {
        return Arrays.copyOf(CKPT.tensorAsFloats(kind, layer), 4);
    }

    @Test
    void splitmixAndKeyMatchTheSpec() {
        assertEquals(0xe220a8397b1dcdafL, SplitMix64.mix(0));
        assertEquals(0xf34fe9248c9342e5L, SyntheticCheckpoint.key(42, 1));
    }

    @Test
    void embeddingRowZero() {
        assertArrayEquals(new float[] {0.154296875f, 0.162109375f, 0.90625f, 0.41015625f},
                firstFour(TensorKind.EMBEDDING, 0));
    }

    @Test
    void finalNorm() {
        assertArrayEquals(new float[] {0.8828125f, 1.0703125f, 1.0078125f, 1.0625f},
                firstFour(TensorKind.FINAL_NORM, 0));
    }

    @Test
    void layerZeroWqRowZero() {
        assertArrayEquals(new float[] {0.0966796875f, 0.078125f, 0.11962890625f, -0.1171875f},
                firstFour(TensorKind.WQ, 0));
    }

    @Test
    void layerOneWDownRowZero() {
        assertArrayEquals(new float[] {0.041015625f, -0.072265625f, -0.055908203125f, 0.007781982421875f},
                firstFour(TensorKind.W_DOWN, 1));
    }

    @Test
    void requestZeroPrompt() {
        assertArrayEquals(new int[] {181, 329, 125, 292, 52, 129, 472, 89},
                SyntheticPrompts.prompt(SEED, 0, 8, TINY.vocab()));
        assertEquals(89, SyntheticPrompts.token(SEED, 0, 7, TINY.vocab()));
    }

    @Test
    void promptsDependOnRequestAndStayInVocabulary() {
        int[] r0 = SyntheticPrompts.prompt(SEED, 0, 64, TINY.vocab());
        int[] r1 = SyntheticPrompts.prompt(SEED, 1, 64, TINY.vocab());
        assertTrue(!Arrays.equals(r0, r1));
        for (int t : r1) {
            assertTrue(t >= 0 && t < TINY.vocab(), "token " + t);
        }
    }

    @Test
    void tensorIdsFollowTheTable() {
        assertEquals(1, TensorKind.EMBEDDING.id(0));
        assertEquals(2, TensorKind.FINAL_NORM.id(5));
        assertEquals(3, TensorKind.LM_HEAD.id(0));
        assertEquals(1000, TensorKind.ATTN_NORM.id(0));
        assertEquals(1001, TensorKind.WQ.id(0));
        assertEquals(1000 + 16 + 4, TensorKind.WO.id(1));
        assertEquals(1000 + 16 + 5, TensorKind.FFN_NORM.id(1));
        assertEquals(1000 + 16 + 8, TensorKind.W_DOWN.id(1));
        assertEquals(1000 + 16 * 79 + 7, TensorKind.W_UP.id(79));
        Set<Long> seen = new HashSet<>();
        for (int layer = 0; layer < 80; layer++) {
            for (TensorKind k : TensorKind.values()) {
                if (k.perLayer() || layer == 0) {
                    assertTrue(seen.add(k.id(layer)), k + " layer " + layer + " reuses id " + k.id(layer));
                }
            }
        }
    }

    @Test
    void shapesFollowTheTable() {
        assertShape(TensorKind.EMBEDDING, 512, 128);
        assertShape(TensorKind.LM_HEAD, 512, 128);
        assertShape(TensorKind.FINAL_NORM, 1, 128);
        assertShape(TensorKind.ATTN_NORM, 1, 128);
        assertShape(TensorKind.WQ, 128, 128);
        assertShape(TensorKind.WK, 64, 128);
        assertShape(TensorKind.WV, 64, 128);
        assertShape(TensorKind.WO, 128, 128);
        assertShape(TensorKind.W_GATE, 384, 128);
        assertShape(TensorKind.W_UP, 384, 128);
        assertShape(TensorKind.W_DOWN, 128, 384);
    }

    private static void assertShape(TensorKind kind, int rows, int cols) {
        assertEquals(rows, kind.rows(TINY), kind + " rows");
        assertEquals(cols, kind.cols(TINY), kind + " cols");
        assertEquals((long) rows * cols, kind.elements(TINY), kind + " elements");
    }

    @Test
    void amplitudesAreSqrtThreeOverFanInRoundedToFloat() {
        float amp128 = (float) Math.sqrt(3.0 / 128);
        float amp384 = (float) Math.sqrt(3.0 / 384);
        assertEquals(1.0f, TensorKind.EMBEDDING.amplitude(TINY));
        assertEquals(0.125f, TensorKind.FINAL_NORM.amplitude(TINY));
        assertEquals(0.125f, TensorKind.FFN_NORM.amplitude(TINY));
        assertEquals(amp128, TensorKind.LM_HEAD.amplitude(TINY));
        assertEquals(amp128, TensorKind.WQ.amplitude(TINY));
        assertEquals(amp128, TensorKind.WO.amplitude(TINY));
        assertEquals(amp128, TensorKind.W_GATE.amplitude(TINY));
        assertEquals(amp384, TensorKind.W_DOWN.amplitude(TINY));
        assertEquals(0.15309310f, amp128, 1e-7f);
        assertEquals(0.08838835f, amp384, 1e-7f);
        assertEquals(1.0f, TensorKind.ATTN_NORM.offset());
        assertEquals(0.0f, TensorKind.WV.offset());
    }

    @Test
    void valuesStayInsideTheirRange() {
        for (TensorKind k : new TensorKind[] {TensorKind.EMBEDDING, TensorKind.ATTN_NORM, TensorKind.W_DOWN}) {
            float amp = k.amplitude(TINY);
            float off = k.offset();
            for (float v : CKPT.tensorAsFloats(k, 1)) {
                // bf16 rounding may land one half-ulp outside the float32 range.
                assertTrue(Math.abs(v - off) <= amp * (1 + 1.0 / 256), k + " value " + v);
            }
        }
    }

    /** The spec written out again from DESIGN's text, independently of the classes under test. */
    @Test
    void independentRebuildOfOneTensor() {
        long seedMix = spec(42);
        assertEquals(SplitMix64.mix(42), seedMix);
        long key = spec(seedMix ^ (1000 + 16 + 8));
        float amp = (float) Math.sqrt(3.0 / 384);
        short[] actual = CKPT.tensor(TensorKind.W_DOWN, 1);
        for (int i = 0; i < actual.length; i += 97) {
            float u = (float) (spec(key + i) >>> 40) * 0x1.0p-24f;
            float v = (2 * u - 1) * amp + 0.0f; // offset 0 for a linear map
            assertEquals(Float.floatToRawIntBits(Bf16.round(v)), Float.floatToRawIntBits(Bf16.toFloat(actual[i])),
                    "element " + i);
        }
    }

    private static long spec(long x) {
        x += 0x9E3779B97F4A7C15L;
        long z = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void fillOfASubRangeEqualsTheSliceOfTheTensor() {
        short[] whole = CKPT.tensor(TensorKind.WQ, 1);
        short[] out = new short[3 + 517 + 2];
        CKPT.fill(TensorKind.WQ, 1, 1000, out, 3, 517);
        assertArrayEquals(Arrays.copyOfRange(whole, 1000, 1517), Arrays.copyOfRange(out, 3, 520));
        assertEquals(0, out[0]);
        assertEquals(0, out[521]);
    }

    @Test
    void tiedModelHasNoLmHead() {
        ModelConfig tied = new ModelConfig("tiny-tied", 512, 128, 2, 4, 2, 32, 384, 10000.0, null, 1e-5, true, 4096,
                TINY.weightDtype());
        SyntheticCheckpoint c = new SyntheticCheckpoint(tied, SEED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.tensor(TensorKind.LM_HEAD, 0));
        assertTrue(e.getMessage().contains("tiny-tied"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.fill(TensorKind.LM_HEAD, 0, 0, new short[4], 0, 4));
        // The embedding it ties to is the same tensor as in the untied model.
        assertArrayEquals(CKPT.tensor(TensorKind.EMBEDDING, 0), c.tensor(TensorKind.EMBEDDING, 0));
    }

    @Test
    void layersOutsideTheModelAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CKPT.tensor(TensorKind.WQ, 2));
        assertThrows(IllegalArgumentException.class, () -> CKPT.tensor(TensorKind.WQ, -1));
    }

    @Test
    void seedChangesEveryTensor() {
        SyntheticCheckpoint other = new SyntheticCheckpoint(TINY, 43);
        assertTrue(!Arrays.equals(CKPT.tensor(TensorKind.WK, 0), other.tensor(TensorKind.WK, 0)));
        assertEquals(SyntheticCheckpoint.SPEC_VERSION, 1);
    }
}
