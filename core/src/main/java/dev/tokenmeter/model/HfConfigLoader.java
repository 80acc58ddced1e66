package dev.tokenmeter.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.InputFiles;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a Hugging Face {@code config.json} of a dense Llama or Mistral model into a {@link ModelConfig}.
 *
 * <p>Only the shape is taken; weights always come from the synthetic checkpoint. Anything that would make
 * the forward pass differ from DESIGN's Llama decoder (biases, sliding windows, experts, another activation,
 * another RoPE scaling) is refused rather than ignored, because a benchmark of a silently different
 * architecture would report misleading figures. Every refusal is an {@link IllegalArgumentException} whose
 * message starts with the file and names the field.
 */
final class HfConfigLoader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HfConfigLoader() {
    }

    /** Loads {@code path}; the model is named after its folder when the file is {@code config.json}. */
    public static ModelConfig load(Path path) {
        // A path that can't be read is a usage error (wrong argument), not a failed run.
        return parse(InputFiles.readText(path, "model config"), path.toString(), modelName(path));
    }

    /**
     * Parses config text; {@code sourceName} is used in messages and, like a path, to name the model
     * ({@code .../Llama-3.1-8B/config.json} gives "Llama-3.1-8B", {@code foo.json} gives "foo").
     */
    public static ModelConfig parse(String json, String sourceName) {
        return parse(json, sourceName, modelName(sourceName));
    }

    private static ModelConfig parse(String json, String source, String name) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": malformed JSON " + InputFiles.jsonSyntax(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object at the top level");
        }
        return new Reader(root, source).read(name);
    }

    /** One file's fields, with the file name at hand for every message. */
    private static final class Reader {
        private final JsonNode root;
        private final String source;

        Reader(JsonNode root, String source) {
            this.root = root;
            this.source = source;
        }

        ModelConfig read(String name) {
            checkArchitecture();
            int vocab = requiredInt("vocab_size");
            int hidden = requiredInt("hidden_size");
            int layers = requiredInt("num_hidden_layers");
            int heads = requiredInt("num_attention_heads");
            // HF: absent (or null) means multi-head attention, one KV head per query head.
            int kvHeads = optionalInt("num_key_value_heads", heads);
            if (!present("head_dim") && hidden % heads != 0) {
                throw refuse("num_attention_heads (" + heads + ") must divide hidden_size (" + hidden
                        + ") when head_dim is absent");
            }
            int headDim = optionalInt("head_dim", hidden / heads);
            int ffn = requiredInt("intermediate_size");
            int maxPositions = requiredInt("max_position_embeddings");
            double theta = optionalDouble("rope_theta", 10000.0);
            double eps = optionalDouble("rms_norm_eps", 1e-6);
            boolean tied = optionalBoolean("tie_word_embeddings", false);
            WeightDtype dtype = dtype();
            RopeScaling scaling = ropeScaling();
            try {
                return new ModelConfig(name, vocab, hidden, layers, heads, kvHeads, headDim, ffn, theta, scaling, eps,
                        tied, maxPositions, dtype);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        }

        /** Refuses every architecture whose forward pass is not DESIGN's Llama decoder. */
        private void checkArchitecture() {
            String type = present("model_type") ? requiredText("model_type") : null;
            String typeLabel = type == null ? "absent" : "'" + type + "'";
            // Experts are checked first so that Mixtral (and any MoE) is refused for what it is.
            for (String experts : new String[] {"num_local_experts", "num_experts"}) {
                if (present(experts)) {
                    throw refuse("model_type " + typeLabel + " is a mixture-of-experts model (" + experts + " = "
                            + root.get(experts) + "); only dense Llama and Mistral models are supported");
                }
            }
            if ("qwen2".equals(type)) {
                throw refuse("model_type 'qwen2' is not supported: Qwen2 adds biases to the q, k and v projections"
                        + " (attention biases), which the Llama decoder does not have; supported: llama, mistral");
            }
            if (!"llama".equals(type) && !"mistral".equals(type)) {
                throw refuse("model_type " + typeLabel + " is not supported; supported: llama, mistral");
            }
            JsonNode archs = root.get("architectures");
            if (archs != null && !archs.isNull()) {
                if (!archs.isArray()) {
                    throw refuse("architectures must be a list of class names, got " + archs);
                }
                for (JsonNode a : archs) {
                    String arch = a.asText().toLowerCase(Locale.ROOT);
                    // Another head (e.g. ForSequenceClassification) has no LM head to decode with.
                    if (!arch.equals("llamaforcausallm") && !arch.equals("mistralforcausallm")) {
                        throw refuse("architectures entry " + a + " is not supported;"
                                + " supported: LlamaForCausalLM, MistralForCausalLM");
                    }
                }
            }
            if (optionalBoolean("attention_bias", false)) {
                throw refuse("attention_bias = true is not supported: the q, k, v and o projections have no biases");
            }
            if (optionalBoolean("mlp_bias", false)) {
                throw refuse("mlp_bias = true is not supported: the feed-forward projections have no biases");
            }
            if (present("sliding_window")) {
                // Mistral v0.1 has 4096; a windowed model would attend to less than the full context we time.
                throw refuse("sliding_window = " + root.get("sliding_window") + " is not supported: only full causal"
                        + " attention is (sliding_window must be null or absent)");
            }
            String act = present("hidden_act") ? requiredText("hidden_act") : "silu";
            if (!act.equals("silu")) {
                throw refuse("hidden_act '" + act + "' is not supported; the feed-forward block is SwiGLU (silu)");
            }
        }

        /** torch_dtype (or "dtype", its name since transformers 4.56); absent means bf16. */
        private WeightDtype dtype() {
            String field = present("torch_dtype") || !present("dtype") ? "torch_dtype" : "dtype";
            if (!present(field)) {
                return WeightDtype.BF16;
            }
            String text = requiredText(field);
            switch (text) {
                case "bfloat16":
                    return WeightDtype.BF16;
                case "float32":
                    return WeightDtype.FP32;
                default:
                    throw refuse(field + " '" + text + "' is not supported; only bf16 (bfloat16) and fp32"
                            + " (float32) weights are supported");
            }
        }

        private RopeScaling ropeScaling() {
            JsonNode node = root.get("rope_scaling");
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw refuse("rope_scaling must be an object or null, got " + node);
            }
            // Older configs call the key "type"; "default" is HF's explicit spelling of no scaling.
            JsonNode kind = node.has("rope_type") ? node.get("rope_type") : node.get("type");
            if (kind == null || !kind.isTextual()) {
                throw refuse("rope_scaling.rope_type is missing or not a string; supported: llama3");
            }
            String type = kind.asText();
            if (type.equals("default")) {
                return null;
            }
            if (!type.equals("llama3")) {
                throw refuse("rope_scaling.rope_type '" + type + "' is not supported; supported: llama3");
            }
            Reader inner = new Reader(node, source);
            double factor = inner.requiredDouble("factor", "rope_scaling.");
            double low = inner.requiredDouble("low_freq_factor", "rope_scaling.");
            double high = inner.requiredDouble("high_freq_factor", "rope_scaling.");
            int original = inner.requiredInt("original_max_position_embeddings", "rope_scaling.");
            try {
                return new RopeScaling(factor, low, high, original);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        }

        private boolean present(String field) {
            JsonNode n = root.get(field);
            return n != null && !n.isNull();
        }

        private int requiredInt(String field) {
            return requiredInt(field, "");
        }

        /** A size: a JSON integer from 1 to Integer.MAX_VALUE. */
        private int requiredInt(String field, String prefix) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                throw refuse("required field " + prefix + field + " is missing");
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw refuse(prefix + field + " must be an integer from 1 to " + Integer.MAX_VALUE + ", got "
                        + describe(n));
            }
            if (n.intValue() <= 0) {
                throw refuse(prefix + field + " must be >= 1, got " + n.intValue());
            }
            return n.intValue();
        }

        private int optionalInt(String field, int fallback) {
            return present(field) ? requiredInt(field) : fallback;
        }

        private double requiredDouble(String field, String prefix) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                throw refuse("required field " + prefix + field + " is missing");
            }
            if (!n.isNumber()) {
                throw refuse(prefix + field + " must be a number, got " + describe(n));
            }
            return n.doubleValue();
        }

        private double optionalDouble(String field, double fallback) {
            return present(field) ? requiredDouble(field, "") : fallback;
        }

        private boolean optionalBoolean(String field, boolean fallback) {
            if (!present(field)) {
                return fallback;
            }
            JsonNode n = root.get(field);
            if (!n.isBoolean()) {
                throw refuse(field + " must be true or false, got " + describe(n));
            }
            return n.booleanValue();
        }

        private String requiredText(String field) {
            JsonNode n = root.get(field);
            if (n == null || !n.isTextual()) {
                throw refuse(field + " must be a string, got " + describe(n));
            }
            return n.asText();
        }

        private IllegalArgumentException refuse(String what) {
            return new IllegalArgumentException(source + ": " + what);
        }
    }

    /** A JSON value with its kind, e.g. {@code string "4096"}, for type errors. */
    private static String describe(JsonNode n) {
        if (n == null) {
            return "nothing";
        }
        return n.getNodeType().name().toLowerCase(Locale.ROOT) + " " + n;
    }

    private static String modelName(Path path) {
        Path file = path.getFileName();
        if (file != null && file.toString().equals("config.json")) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && parent.getFileName() != null) {
                return parent.getFileName().toString();
            }
        }
        return modelName(file == null ? path.toString() : file.toString());
    }

    /** The same rule on a plain name, which may carry '/' or '\' separators. */
    private static String modelName(String source) {
        String[] parts = source.split("[/\\\\]+");
        String file = parts.length == 0 ? source : parts[parts.length - 1];
        if (file.equals("config.json") && parts.length >= 2) {
            return parts[parts.length - 2];
        }
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}
