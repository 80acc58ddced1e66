package dev.tokenmeter.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelConfigTest {
    private static final WeightDtype BF16 = WeightDtype.BF16;

    /** tiny's shape with one field changed; fields in record order after name. */
    private static ModelConfig tinyWith(String field, int value) {
        int vocab = 512, hidden = 128, layers = 2, heads = 4, kvHeads = 2, headDim = 32, ffn = 384, max = 4096;
        switch (field) {
            case "vocab" -> vocab = value;
            case "hidden" -> hidden = value;
            case "layers" -> layers = value;
            case "heads" -> heads = value;
            case "kvHeads" -> kvHeads = value;
            case "headDim" -> headDim = value;
            case "ffn" -> ffn = value;
            case "maxPositions" -> max = value;
            default -> throw new AssertionError(field);
        }
        return new ModelConfig("t", vocab, hidden, layers, heads, kvHeads, headDim, ffn, 10000.0, null, 1e-5, false,
                max, BF16);
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message should contain '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void tinyShapeIsValidAndDerivesWidths() {
        ModelConfig c = tinyWith("vocab", 512);
        assertEquals(128, c.qDim());
        assertEquals(64, c.kvDim());
        assertEquals(2, c.groupSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab", "hidden", "layers", "heads", "kvHeads", "headDim", "ffn", "maxPositions"})
    void zeroSizesAreRefusedNamingTheFieldAndRange(String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tinyWith(field, 0));
        assertMessage(e, field, ">= 1", "got 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab", "hidden", "layers", "heads", "kvHeads", "headDim", "ffn", "maxPositions"})
    void negativeSizesAreRefusedNamingTheFieldAndRange(String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tinyWith(field, -3));
        assertMessage(e, field, ">= 1", "got -3");
    }

    @Test
    void headsThatDoNotDivideHiddenAreRefusedByOf() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.of("x", 512, 130, 2, 4, 2, 384, 10000.0, null, 1e-5, false, 4096, BF16));
        assertMessage(e, "heads must divide hidden (130)", "divisors of 130", "got 4");
    }

    @Test
    void ofDerivesHeadDim() {
        ModelConfig c = ModelConfig.of("x", 512, 128, 2, 4, 2, 384, 10000.0, null, 1e-5, false, 4096, BF16);
        assertEquals(32, c.headDim());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 8})
    void kvHeadsThatDoNotDivideHeadsAreRefused(int kvHeads) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tinyWith("kvHeads", kvHeads));
        assertMessage(e, "kvHeads must divide heads (4)", "divisors of 4", "got " + kvHeads);
    }

    @Test
    void oddHeadDimIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tinyWith("headDim", 33));
        assertMessage(e, "headDim", "even", "33");
    }

    @Test
    void ropeThetaAndEpsAreRangeChecked() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ModelConfig("t", 512, 128, 2, 4, 2, 32,
                384, 1.0, null, 1e-5, false, 4096, BF16)), "ropeTheta", "> 1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ModelConfig("t", 512, 128, 2, 4, 2, 32,
                384, Double.NaN, null, 1e-5, false, 4096, BF16)), "ropeTheta");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ModelConfig("t", 512, 128, 2, 4, 2, 32,
                384, 10000.0, null, 0.0, false, 4096, BF16)), "normEps", "(0, 1)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ModelConfig("t", 512, 128, 2, 4, 2, 32,
                384, 10000.0, null, 1.0, false, 4096, BF16)), "normEps", "(0, 1)");
    }

    @Test
    void tensorsPastIntIndexingAreRefused() {
        // 2^20 x 4096 = 2^32 elements in the embedding.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.of("big", 1 << 20, 4096, 1, 32, 8, 1024, 10000.0, null, 1e-5, false, 4096, BF16));
        assertMessage(e, "4294967296", "elements");
    }

    @Test
    void ropeScalingValidatesItsFields() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new RopeScaling(0.5, 1, 4, 8192)),
                "rope_scaling.factor", ">= 1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new RopeScaling(8, 4, 4, 8192)),
                "rope_scaling.high_freq_factor", "low_freq_factor");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new RopeScaling(8, 1, 4, 0)),
                "original_max_position_embeddings", ">= 1");
    }

    @Test
    void sequenceLengthUpToMaxPositionsIsAccepted() {
        ModelConfig tiny = ModelPresets.get("tiny");
        assertDoesNotThrow(() -> tiny.checkSequenceLength(4000, 96));
        assertDoesNotThrow(() -> tiny.checkSequenceLength(1, 1));
    }

    @Test
    void sequenceLengthPastMaxPositionsNamesTheFigures() {
        ModelConfig tiny = ModelPresets.get("tiny");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tiny.checkSequenceLength(4000, 97));
        assertMessage(e, "4097", "4096", "tiny", "1 to 4096");
    }

    @Test
    void emptyPromptOrOutputIsRefused() {
        ModelConfig tiny = ModelPresets.get("tiny");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> tiny.checkSequenceLength(0, 8)),
                "prompt length", ">= 1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> tiny.checkSequenceLength(8, 0)),
                "output length", ">= 1");
    }

    @Test
    void everyPresetIsValidAndKeyedByItsName() {
        Map<String, ModelConfig> all = ModelPresets.all();
        assertTrue(all.size() >= 8, "presets: " + all.keySet());
        for (Map.Entry<String, ModelConfig> e : all.entrySet()) {
            ModelConfig c = e.getValue();
            assertEquals(e.getKey(), c.name());
            // Rebuilding through the canonical constructor runs the validation again.
            assertEquals(c, assertDoesNotThrow(() -> c.withName(c.name()), c.name()));
            assertEquals(c.hidden(), c.heads() * c.headDim(), c.name());
            assertEquals(0, c.heads() % c.kvHeads(), c.name());
            assertEquals(WeightDtype.BF16, c.weightDtype(), c.name());
            assertSame(c, ModelPresets.get(c.name()));
        }
    }

    @Test
    void presetLookupIgnoresCaseAndSpaces() {
        assertSame(ModelPresets.get("llama-3.1-8b"), ModelPresets.get(" Llama-3.1-8B "));
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPresets.get("gpt-5"));
        assertMessage(e, "gpt-5", "config.json");
        for (String name : ModelPresets.all().keySet()) {
            assertMessage(e, name);
        }
    }

    @Test
    void withWeightDtypeKeepsTheShape() {
        ModelConfig c = ModelPresets.get("llama-3.2-1b").withWeightDtype(WeightDtype.FP32);
        assertEquals(WeightDtype.FP32, c.weightDtype());
        assertEquals(ModelPresets.get("llama-3.2-1b"), c.withWeightDtype(WeightDtype.BF16));
    }

    @Test
    void weightDtypeParsesItsSpellings() {
        assertEquals(WeightDtype.BF16, WeightDtype.parse("bfloat16"));
        assertEquals(WeightDtype.FP32, WeightDtype.parse(" FP32 "));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> WeightDtype.parse("fp16")),
                "fp16", "bf16, fp32");
    }
}
