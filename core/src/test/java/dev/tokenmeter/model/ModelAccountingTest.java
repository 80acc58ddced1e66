package dev.tokenmeter.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Parameter counts against the figures the model cards publish, and FLOPs worked by hand for tiny, so the
 * accounting behind MBU and MFU is checked against something other than itself.
 */
class ModelAccountingTest {

    private static long params(String preset) {
        return ModelPresets.get(preset).accounting().parameterCount();
    }

    private static void assertNear(double published, double tolerance, String preset) {
        long counted = params(preset);
        assertEquals(published, counted, tolerance, preset + " counted " + counted);
    }

    @Test
    void parameterCountsMatchPublishedFigures() {
        assertNear(8.03e9, 0.005e9, "llama-3.1-8b");
        assertNear(70.6e9, 0.05e9, "llama-3.1-70b");
        assertNear(1.24e9, 0.005e9, "llama-3.2-1b");
        assertNear(3.21e9, 0.005e9, "llama-3.2-3b");
        assertNear(6.74e9, 0.005e9, "llama-2-7b");
        assertNear(7.25e9, 0.005e9, "mistral-7b");
        assertNear(110e6, 0.5e6, "llama-110m");
    }

    @Test
    void exactCountsOfTheSafetensorsReleases() {
        // The totals in the published safetensors indexes (bf16 bytes / 2).
        assertEquals(8_030_261_248L, params("llama-3.1-8b"));
        assertEquals(1_235_814_400L, params("llama-3.2-1b"));
        assertEquals(6_738_415_616L, params("llama-2-7b"));
    }

    @Test
    void tiedEmbeddingIsCountedOnce() {
        ModelAccounting tied = ModelPresets.get("llama-3.2-1b").accounting();
        assertEquals(0, tied.untiedLmHeadParams());
        assertEquals(128256L * 2048, tied.embeddingParams());
    }

    @Test
    void tinyCountWorkedByHand() {
        long perLayerLinear = 128 * 128   // wq [heads*headDim=128, hidden=128]
                + 2 * 64 * 128            // wk, wv [kvHeads*headDim=64, 128]
                + 128 * 128               // wo [128, 128]
                + 3 * 384 * 128;          // w_gate, w_up [384, 128], w_down [128, 384]
        long perLayer = perLayerLinear + 2 * 128;         // two norms
        long total = 2 * perLayer + 2 * 512 * 128 + 128;  // embedding + untied LM head + final norm
        assertEquals(196_608, perLayerLinear);
        assertEquals(524_928, total);
        ModelAccounting a = ModelPresets.get("tiny").accounting();
        assertEquals(perLayerLinear, a.linearParamsPerLayer());
        assertEquals(perLayer, a.paramsPerLayer());
        assertEquals(524_928, a.parameterCount());
    }

    @Test
    void weightBytesAreTwoPerParameterInBf16AndFourInFp32() {
        for (ModelConfig c : ModelPresets.all().values()) {
            ModelAccounting a = c.accounting();
            assertEquals(2 * a.parameterCount(), a.weightBytes(), c.name());
            assertEquals(4 * a.parameterCount(), c.withWeightDtype(WeightDtype.FP32).accounting().weightBytes());
        }
    }

    @Test
    void weightBytesReadPerStepLeaveOutTheGatheredEmbedding() {
        // tiny: 2 layers of 196864, the final norm, and the LM head [512, 128]; bf16.
        long params = 2 * 196_864 + 128 + 512 * 128;
        assertEquals(2 * params, ModelPresets.get("tiny").accounting().weightBytesReadPerStep());
    }

    @Test
    void kvBytesPerToken() {
        // llama-3.1-8b: K and V, 32 layers, 8 KV heads of 128, 2 bytes each.
        assertEquals(2 * 32 * 8 * 128 * 2, 131_072);
        assertEquals(131_072, ModelPresets.get("llama-3.1-8b").accounting().kvBytesPerToken(2));
        assertEquals(2 * 2 * 64 * 4, ModelPresets.get("tiny").accounting().kvBytesPerToken(4));
    }

    @Test
    void tinyDecodeFlopsWorkedByHand() {
        long context = 10;
        long linear = 2L * 2 * 196_608;           // 2 FLOPs per MAC, 2 layers
        long attention = 2L * (2L * 2 * 128 * context); // q.k and p.v: 2 layers x qDim 128 x context MACs each
        long lmHead = 2L * 512 * 128;
        long expected = linear + attention + lmHead;
        assertEquals(786_432 + 10_240 + 131_072, expected);
        assertEquals(expected, ModelPresets.get("tiny").accounting().decodeFlopsPerToken(context));
    }

    @Test
    void tinyPrefillFlopsWorkedByHand() {
        long prompt = 8;
        // Token p attends to p + 1 positions: 1 + 2 + ... + 8 = 36 query-key pairs per layer and head width.
        long pairs = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8;
        long linear = prompt * 2L * 2 * 196_608;
        long attention = 2L * (2L * 2 * 128 * pairs);
        long lmHead = 2L * 512 * 128;             // logits for the last token only
        long expected = linear + attention + lmHead;
        assertEquals(6_291_456 + 36_864 + 131_072, expected);
        ModelAccounting a = ModelPresets.get("tiny").accounting();
        assertEquals(expected, a.prefillFlops(prompt));
        assertEquals(expected / 8.0, a.prefillFlopsPerToken(prompt), 1e-9);
    }

    @Test
    void ropeScalingKeepsHighFrequencies() {
        RopeScaling s = RopeScaling.llama31(); // factor 8, bands at wavelengths 8192/4 = 2048 and 8192/1 = 8192
        double inv = 2 * Math.PI / 100;        // wavelength 100 < 2048
        assertEquals(inv, s.scale(inv), 0.0);
        assertEquals(1.0, s.scale(1.0), 0.0);
    }

    @Test
    void ropeScalingDividesLowFrequenciesByFactor() {
        RopeScaling s = RopeScaling.llama31();
        double inv = 2 * Math.PI / 16384;      // wavelength 16384 > 8192
        assertEquals(inv / 8, s.scale(inv), 1e-18);
        RopeScaling s32 = RopeScaling.llama32();
        assertEquals(inv / 32, s32.scale(inv), 1e-18);
    }

    @Test
    void ropeScalingInterpolatesTheMiddleBand() {
        RopeScaling s = RopeScaling.llama31();
        double inv = 2 * Math.PI / 4096;       // wavelength 4096
        // smooth = (8192/4096 - 1) / (4 - 1) = 1/3; (1 - 1/3) * inv/8 + 1/3 * inv = inv * 5/12
        assertEquals(inv * 5 / 12, s.scale(inv), 1e-15 * inv);
        // The band's edges meet the outer bands: smooth 1 at wavelength 2048, 0 at 8192.
        double atHigh = 2 * Math.PI / 2048;
        assertEquals(atHigh, s.scale(atHigh), 1e-12 * atHigh);
        double atLow = 2 * Math.PI / 8192;
        assertEquals(atLow / 8, s.scale(atLow), 1e-12 * atLow);
    }
}
