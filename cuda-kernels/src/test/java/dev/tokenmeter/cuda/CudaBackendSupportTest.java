package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which models the CUDA backend refuses before anything is allocated, and why. No GPU needed. */
class CudaBackendSupportTest {
    private static ModelConfig of(String name, int hidden, int heads, int kvHeads, int ffn) {
        return ModelConfig.of(name, 1000, hidden, 2, heads, kvHeads, ffn, 10000.0, null, 1e-5, false, 2048,
                WeightDtype.BF16);
    }

    @Test
    void everyPresetIsAccepted() {
        Map<String, String> refused = new LinkedHashMap<>();
        for (ModelConfig c : ModelPresets.all().values()) {
            String why = CudaBackend.unsupported(c);
            if (why != null) {
                refused.put(c.name(), why);
            }
        }
        assertEquals(Map.of(), refused);
        // The widest group among the presets is exactly the decode kernel's limit.
        assertEquals(8, ModelPresets.get("llama-3.1-70b").groupSize());
        assertEquals(8, ModelPresets.all().values().stream().mapToInt(ModelConfig::groupSize).max().orElseThrow());
    }

    @Test
    void fp32WeightsAreRefused() {
        String why = CudaBackend.unsupported(ModelPresets.get("tiny").withWeightDtype(WeightDtype.FP32));
        assertEquals("the CUDA backend stores weights as bf16; weight dtype fp32 is not supported on it", why);
    }

    @Test
    void headDim96IsRefused() {
        ModelConfig c = of("hd96", 960, 10, 10, 2560);
        assertEquals(96, c.headDim());
        assertEquals("the CUDA attention kernels take headDim 32, 64 or 128; model hd96 has 96",
                CudaBackend.unsupported(c));
    }

    @Test
    void headDims32And64And128AreAccepted() {
        assertNull(CudaBackend.unsupported(of("hd32", 256, 8, 2, 512)));
        assertNull(CudaBackend.unsupported(of("hd64", 512, 8, 2, 1024)));
        assertNull(CudaBackend.unsupported(of("hd128", 1024, 8, 1, 2048)));
    }

    @Test
    void moreThanEightQueryHeadsPerKvHeadAreRefused() {
        assertNull(CudaBackend.unsupported(of("g8", 2048, 32, 4, 4096)));
        String why = CudaBackend.unsupported(of("g16", 2048, 32, 2, 4096));
        assertEquals("the CUDA decode attention takes up to 8 query heads per kv head; model g16 has 16", why);
    }

    @Test
    void productWidthsMustBeMultiplesOfTheTile() {
        // hidden 80 (headDim 64 given explicitly), and ffn 100: multiples of no tensor-core k-tile.
        ModelConfig narrow = new ModelConfig("h80", 512, 80, 1, 2, 1, 64, 256, 10000.0, null, 1e-5, false, 512,
                WeightDtype.BF16);
        String why = CudaBackend.unsupported(narrow);
        assertNotNull(why);
        assertTrue(why.contains("multiples of") && why.contains("h80 has 80, 128 and 256"), why);
        assertNotNull(CudaBackend.unsupported(of("ffn100", 256, 8, 2, 100)));
    }
}
