package dev.tokenmeter.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named model shapes with their published dimensions (Hugging Face config.json of each model).
 * Weight values always come from the synthetic checkpoint; only the shapes are real.
 */
public final class ModelPresets {
    private static final Map<String, ModelConfig> PRESETS = build();

    private ModelPresets() {
    }

    private static Map<String, ModelConfig> build() {
        Map<String, ModelConfig> m = new LinkedHashMap<>();
        WeightDtype bf16 = WeightDtype.BF16;
        // The conformance model of DESIGN's synthetic checkpoint spec.
        add(m, new ModelConfig("tiny", 512, 128, 2, 4, 2, 32, 384, 10000.0, null, 1e-5, false, 4096, bf16));
        // Karpathy's stories110M shape (llama2.c), embeddings tied.
        add(m, ModelConfig.of("llama-110m", 32000, 768, 12, 12, 12, 2048, 10000.0, null, 1e-5, true, 1024, bf16));
        add(m, ModelConfig.of("llama-3.2-1b", 128256, 2048, 16, 32, 8, 8192, 500000.0, RopeScaling.llama32(), 1e-5,
                true, 131072, bf16));
        add(m, ModelConfig.of("llama-3.2-3b", 128256, 3072, 28, 24, 8, 8192, 500000.0, RopeScaling.llama32(), 1e-5,
                true, 131072, bf16));
        add(m, ModelConfig.of("llama-3.1-8b", 128256, 4096, 32, 32, 8, 14336, 500000.0, RopeScaling.llama31(), 1e-5,
                false, 131072, bf16));
        add(m, ModelConfig.of("llama-3.1-70b", 128256, 8192, 80, 64, 8, 28672, 500000.0, RopeScaling.llama31(), 1e-5,
                false, 131072, bf16));
        add(m, ModelConfig.of("llama-2-7b", 32000, 4096, 32, 32, 32, 11008, 10000.0, null, 1e-5, false, 4096, bf16));
        // Mistral-7B v0.3: no sliding window, 32768-token vocabulary.
        add(m, ModelConfig.of("mistral-7b", 32768, 4096, 32, 32, 8, 14336, 1000000.0, null, 1e-5, false, 32768, bf16));
        return Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, ModelConfig> m, ModelConfig c) {
        m.put(c.name(), c);
    }

    /** Preset names in a stable order, smallest first. */
    public static Map<String, ModelConfig> all() {
        return PRESETS;
    }

    /** The named preset; an unknown name is refused with the list of known ones. */
    public static ModelConfig get(String name) {
        ModelConfig c = PRESETS.get(name.trim().toLowerCase(java.util.Locale.ROOT));
        if (c == null) {
            throw new IllegalArgumentException("unknown model preset '" + name + "'; known presets: "
                    + String.join(", ", PRESETS.keySet()) + " (or give a path to a Hugging Face config.json)");
        }
        return c;
    }
}
