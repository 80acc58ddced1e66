package dev.tokenmeter.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Config texts modelled on the published Hugging Face files, and every refusal with its message. */
class HfConfigLoaderTest {
    private static final String LLAMA_31_8B = HfConfigFixtures.LLAMA_31_8B;
    private static final String LLAMA_32_1B = HfConfigFixtures.LLAMA_32_1B;
    private static final String MISTRAL_7B_V03 = HfConfigFixtures.MISTRAL_7B_V03;
    private static final String SOURCE = "models/Meta-Llama-3.1-8B/config.json";

    /** The text with one exact substring replaced; fails if the substring is absent, so edits can't go stale. */
    private static String edit(String json, String from, String to) {
        assertTrue(json.contains(from), "fixture lacks " + from);
        return json.replace(from, to);
    }

    private static IllegalArgumentException refused(String json, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfConfigLoader.parse(json, SOURCE));
        assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message should contain '" + p + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void llama31ParsesToThePreset() {
        ModelConfig c = HfConfigLoader.parse(LLAMA_31_8B, SOURCE);
        assertEquals("Meta-Llama-3.1-8B", c.name());
        assertEquals(ModelPresets.get("llama-3.1-8b"), c.withName("llama-3.1-8b"));
        assertEquals(RopeScaling.llama31(), c.ropeScaling());
    }

    @Test
    void llama32WithExplicitHeadDimAndTiedEmbeddingsParsesToThePreset() {
        ModelConfig c = HfConfigLoader.parse(LLAMA_32_1B, "Llama-3.2-1B/config.json");
        assertEquals(ModelPresets.get("llama-3.2-1b"), c.withName("llama-3.2-1b"));
        assertTrue(c.tiedEmbeddings());
    }

    @Test
    void mistralV03ParsesToThePreset() {
        ModelConfig c = HfConfigLoader.parse(MISTRAL_7B_V03, "mistral.json");
        assertEquals("mistral", c.name());
        assertEquals(ModelPresets.get("mistral-7b"), c.withName("mistral-7b"));
        assertNull(c.ropeScaling());
    }

    @Test
    void absentFieldsTakeHuggingFaceDefaults() {
        String minimal = """
                {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "num_hidden_layers": 32,
                 "num_attention_heads": 32, "intermediate_size": 11008, "max_position_embeddings": 4096}
                """;
        ModelConfig c = HfConfigLoader.parse(minimal, "llama-2-7b.json");
        assertEquals(32, c.kvHeads());
        assertEquals(128, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(1e-6, c.normEps());
        assertEquals(WeightDtype.BF16, c.weightDtype());
        assertNull(c.ropeScaling());
        assertEquals(false, c.tiedEmbeddings());
        // llama-2-7b's preset differs only in its eps (1e-5, as its own config.json says).
        assertEquals(ModelPresets.get("llama-2-7b"),
                new ModelConfig("llama-2-7b", 32000, 4096, 32, 32, 32, 128, 11008, 10000.0, null, 1e-5, false,
                        4096, WeightDtype.BF16));
        assertNotEquals(ModelPresets.get("llama-2-7b"), c.withName("llama-2-7b"));
    }

    @Test
    void float32WeightsAndNullOptionalsAreAccepted() {
        String json = edit(edit(LLAMA_31_8B, "\"bfloat16\"", "\"float32\""), "\"num_key_value_heads\": 8",
                "\"num_key_value_heads\": null");
        ModelConfig c = HfConfigLoader.parse(json, SOURCE);
        assertEquals(WeightDtype.FP32, c.weightDtype());
        assertEquals(32, c.kvHeads());
    }

    @Test
    void olderRopeScalingKeyIsAccepted() {
        ModelConfig c = HfConfigLoader.parse(edit(LLAMA_31_8B, "\"rope_type\"", "\"type\""), SOURCE);
        assertEquals(RopeScaling.llama31(), c.ropeScaling());
    }

    @Test
    void qwen2IsRefusedForItsAttentionBiases() {
        refused(edit(LLAMA_31_8B, "\"llama\"", "\"qwen2\""), "model_type 'qwen2'", "bias", "llama, mistral");
    }

    @Test
    void otherModelTypesAreRefusedNamingThem() {
        refused(edit(LLAMA_31_8B, "\"llama\"", "\"gemma\""), "model_type 'gemma'", "not supported");
    }

    @Test
    void mixtralIsRefusedAsMixtureOfExperts() {
        String mixtral = edit(edit(MISTRAL_7B_V03, "\"mistral\"", "\"mixtral\""), "\"vocab_size\"",
                "\"num_local_experts\": 8, \"num_experts_per_tok\": 2, \"vocab_size\"");
        refused(mixtral, "model_type 'mixtral'", "mixture-of-experts", "num_local_experts = 8");
        refused(edit(LLAMA_31_8B, "\"vocab_size\"", "\"num_experts\": 60, \"vocab_size\""), "num_experts = 60");
    }

    @Test
    void otherHeadsAreRefused() {
        refused(edit(LLAMA_31_8B, "LlamaForCausalLM", "LlamaForSequenceClassification"),
                "LlamaForSequenceClassification", "architectures");
    }

    @Test
    void slidingWindowOfMistralV01IsRefused() {
        refused(edit(MISTRAL_7B_V03, "\"sliding_window\": null", "\"sliding_window\": 4096"),
                "sliding_window = 4096", "not supported");
    }

    @Test
    void attentionAndMlpBiasesAreRefused() {
        refused(edit(LLAMA_31_8B, "\"attention_bias\": false", "\"attention_bias\": true"), "attention_bias = true");
        refused(edit(LLAMA_31_8B, "\"mlp_bias\": false", "\"mlp_bias\": true"), "mlp_bias = true");
    }

    @Test
    void activationsOtherThanSiluAreRefused() {
        refused(edit(LLAMA_31_8B, "\"silu\"", "\"gelu\""), "hidden_act 'gelu'", "silu");
    }

    @Test
    void float16IsRefusedNamingTheSupportedTypes() {
        refused(edit(LLAMA_31_8B, "\"bfloat16\"", "\"float16\""), "torch_dtype 'float16'", "bf16", "fp32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yarn", "linear", "dynamic"})
    void otherRopeScalingsAreRefusedNamingThem(String type) {
        refused(edit(LLAMA_31_8B, "\"llama3\"", "\"" + type + "\""), "rope_scaling.rope_type '" + type + "'",
                "llama3");
    }

    @Test
    void incompleteLlama3ScalingNamesTheField() {
        refused(edit(LLAMA_31_8B, "\"low_freq_factor\": 1.0,", ""), "rope_scaling.low_freq_factor", "missing");
        refused(edit(LLAMA_31_8B, "\"factor\": 8.0", "\"factor\": 0.5"), "rope_scaling.factor", ">= 1");
    }

    @Test
    void malformedJsonNamesTheLocation() {
        refused(edit(LLAMA_31_8B, "\"hidden_size\": 4096,", "\"hidden_size\": 4096"), "malformed JSON",
                "line 9, column 3"); // where the next entry starts without the missing comma
        refused("[1, 2]", "JSON object");
    }

    @Test
    void missingFieldIsNamed() {
        refused(edit(LLAMA_31_8B, "\"intermediate_size\": 14336,", ""), "intermediate_size", "missing");
        refused(edit(LLAMA_31_8B, "\"model_type\": \"llama\",", ""), "model_type absent", "not supported");
    }

    @Test
    void wrongTypesAreNamed() {
        refused(edit(LLAMA_31_8B, "\"hidden_size\": 4096", "\"hidden_size\": \"4096\""), "hidden_size",
                "integer", "string");
        refused(edit(LLAMA_31_8B, "\"hidden_size\": 4096", "\"hidden_size\": 4096.5"), "hidden_size", "integer");
        refused(edit(LLAMA_31_8B, "\"rope_theta\": 500000.0", "\"rope_theta\": \"high\""), "rope_theta", "number");
        refused(edit(LLAMA_31_8B, "\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\""),
                "tie_word_embeddings", "true or false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-32"})
    void nonPositiveSizesAreNamed(String value) {
        refused(edit(LLAMA_31_8B, "\"num_hidden_layers\": 32", "\"num_hidden_layers\": " + value),
                "num_hidden_layers", ">= 1", value);
    }

    @Test
    void headsThatDoNotDivideHiddenWithoutHeadDimAreRefused() {
        refused(edit(LLAMA_31_8B, "\"num_attention_heads\": 32", "\"num_attention_heads\": 30"),
                "num_attention_heads (30)", "hidden_size (4096)", "head_dim");
    }

    @Test
    void modelConfigValidationIsPrefixedWithTheFile() {
        IllegalArgumentException e = refused(edit(LLAMA_31_8B, "\"num_key_value_heads\": 8",
                "\"num_key_value_heads\": 5"), "kvHeads must divide heads (32)");
        assertTrue(e.getCause() instanceof IllegalArgumentException);
        refused(edit(LLAMA_32_1B, "\"head_dim\": 64", "\"head_dim\": 63"), "headDim", "even");
    }

    @Test
    void loadNamesTheModelAfterItsFolder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("Llama-3.2-1B").resolve("config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, LLAMA_32_1B);
        assertEquals("Llama-3.2-1B", HfConfigLoader.load(file).name());
        Path other = dir.resolve("my-model.json");
        Files.writeString(other, LLAMA_32_1B);
        assertEquals("my-model", HfConfigLoader.load(other).name());
    }

    @Test
    void loadRefusalsNameThePath(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mistral-v0.1.json");
        Files.writeString(file, edit(MISTRAL_7B_V03, "\"sliding_window\": null", "\"sliding_window\": 4096"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfConfigLoader.load(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("sliding_window"), e.getMessage());
    }

    @Test
    void unreadableFileNamesThePathAndReason(@TempDir Path dir) {
        Path absent = dir.resolve("nowhere").resolve("config.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfConfigLoader.load(absent));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        assertTrue(e.getCause() instanceof IOException);
    }

    @Test
    void resolveTakesPresetsAndFiles(@TempDir Path dir) throws IOException {
        assertSame(ModelPresets.get("tiny"), ModelConfigs.resolve("tiny"));
        Path file = dir.resolve("Mistral-7B-v0.3").resolve("config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, MISTRAL_7B_V03);
        ModelConfig c = ModelConfigs.resolve(file.toString());
        assertEquals("Mistral-7B-v0.3", c.name());
        assertEquals(ModelPresets.get("mistral-7b"), c.withName("mistral-7b"));
    }

    @Test
    void resolveReportsAMissingJsonAsAFileNotAPreset(@TempDir Path dir) {
        String missing = dir.resolve("typo.json").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.resolve(missing));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ModelConfigs.resolve("llama-9"));
        assertTrue(unknown.getMessage().contains("known presets"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelConfigs.resolve(" "));
    }
}
