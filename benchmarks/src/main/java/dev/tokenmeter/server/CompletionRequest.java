package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code /v1/completions} or {@code /v1/chat/completions} request, parsed and checked: every field the server
 * reads is validated and a wrong one is refused with a 400 naming it; fields it does not read are ignored, as
 * OpenAI-compatible servers do. docs/server.md lists the fields.
 *
 * @param chat            a chat completion (else a text completion)
 * @param prompt          the prompt's token ids (see {@link WordTokenizer} for text)
 * @param maxTokens       tokens to generate: exactly these (there is no end of sequence)
 * @param stream          answer with server-sent events, one per token
 * @param includeUsage    with {@code stream}: a last chunk holding the usage
 * @param continuousUsage with {@code stream}: the usage so far in every chunk
 */
public record CompletionRequest(boolean chat, int[] prompt, int maxTokens, boolean stream, boolean includeUsage,
        boolean continuousUsage) {
    /** {@code max_tokens} of a text completion that gives none (OpenAI's default). */
    public static final int DEFAULT_COMPLETION_TOKENS = 16;

    /**
     * Parses a request body.
     *
     * @param maxContext a chat request without {@code max_tokens} generates up to the context's end
     */
    public static CompletionRequest parse(ObjectMapper mapper, String body, boolean chat, String servedModel,
            int vocab, int maxContext) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        JsonNode model = root.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                throw ApiException.invalid("model", "'model' must be a string");
            }
            if (!model.asText().equals(servedModel)) {
                throw new ApiException(404, "invalid_request_error", "The model `" + model.asText()
                        + "` does not exist; this server serves `" + servedModel + "`", "model", "model_not_found");
            }
        }
        int[] prompt = chat ? messages(root.get("messages"), vocab) : prompt(root.get("prompt"), vocab);
        if (prompt.length == 0) {
            throw ApiException.invalid(chat ? "messages" : "prompt", "the prompt holds no token (a text prompt"
                    + " needs at least one word)");
        }
        Integer asked = integer(root, chat && present(root, "max_completion_tokens") ? "max_completion_tokens"
                : "max_tokens");
        int maxTokens = asked != null ? asked : chat ? maxContext - prompt.length : DEFAULT_COMPLETION_TOKENS;
        if (asked != null && asked < 1) {
            throw ApiException.invalid(chat && present(root, "max_completion_tokens") ? "max_completion_tokens"
                    : "max_tokens", "max_tokens must be at least 1, got " + asked);
        }
        Integer minTokens = integer(root, "min_tokens");
        if (minTokens != null && (minTokens < 0 || minTokens > maxTokens)) {
            throw ApiException.invalid("min_tokens", "min_tokens must be in [0, max_tokens = " + maxTokens
                    + "], got " + minTokens);
        }
        Integer n = integer(root, "n");
        if (n != null && n != 1) {
            throw ApiException.invalid("n", "only n = 1 is supported (greedy decoding gives one answer), got " + n);
        }
        JsonNode temperature = root.get("temperature");
        if (temperature != null && !temperature.isNull()
                && (!temperature.isNumber() || temperature.asDouble() < 0 || temperature.asDouble() > 2)) {
            throw ApiException.invalid("temperature", "'temperature' must be a number in [0, 2] (decoding is"
                    + " greedy whatever it is), got " + temperature);
        }
        bool(root, "ignore_eos");
        if (!chat && present(root, "logprobs") || chat && Boolean.TRUE.equals(bool(root, "logprobs"))) {
            throw ApiException.invalid("logprobs", "logprobs are not supported");
        }
        if (!chat && Boolean.TRUE.equals(bool(root, "echo"))) {
            throw ApiException.invalid("echo", "echo is not supported");
        }
        boolean stream = Boolean.TRUE.equals(bool(root, "stream"));
        boolean includeUsage = false;
        boolean continuous = false;
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            }
            if (!stream) {
                throw ApiException.invalid("stream_options", "stream_options is allowed only with stream = true");
            }
            includeUsage = Boolean.TRUE.equals(bool(options, "include_usage"));
            continuous = Boolean.TRUE.equals(bool(options, "continuous_usage_stats"));
        }
        return new CompletionRequest(chat, prompt, maxTokens, stream, includeUsage, continuous);
    }

    private static boolean present(JsonNode root, String field) {
        return root.has(field) && !root.get(field).isNull();
    }

    private static Integer integer(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static Boolean bool(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, "'" + field + "' must be a boolean, got " + v);
        }
        return v.booleanValue();
    }

    /** A text completion's prompt: a string, or token ids, or a batch of one of either. */
    private static int[] prompt(JsonNode p, int vocab) {
        if (p == null || p.isNull()) {
            throw ApiException.invalid("prompt", "'prompt' is required");
        }
        if (p.isTextual()) {
            return WordTokenizer.encode(p.asText(), vocab);
        }
        if (!p.isArray() || p.isEmpty()) {
            throw ApiException.invalid("prompt", "'prompt' must be a string or an array of token ids");
        }
        if (p.get(0).isTextual() || p.get(0).isArray()) {
            if (p.size() > 1) {
                throw ApiException.invalid("prompt", "a batch of " + p.size() + " prompts: this server takes one"
                        + " prompt per request");
            }
            return prompt(p.get(0), vocab);
        }
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = p.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocab) {
                throw ApiException.invalid("prompt", "prompt token " + i + " must be a token id in [0, " + vocab
                        + "), got " + t);
            }
            ids[i] = t.intValue();
        }
        return ids;
    }

    /** A chat's prompt: the messages' contents, in order, joined by a newline, as text (roles are not tokens). */
    private static int[] messages(JsonNode m, int vocab) {
        if (m == null || !m.isArray() || m.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array of messages");
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            if (!msg.isObject() || !msg.path("role").isTextual()) {
                throw ApiException.invalid("messages", "message " + i + " must be an object with a string 'role'");
            }
            JsonNode content = msg.get("content");
            if (content == null || content.isNull()) {
                continue;
            }
            if (content.isTextual()) {
                parts.add(content.asText());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                        throw ApiException.invalid("messages", "message " + i + ": only text content parts are"
                                + " supported");
                    }
                    parts.add(part.get("text").asText());
                }
            } else {
                throw ApiException.invalid("messages", "message " + i + ": 'content' must be a string or an array"
                        + " of text parts");
            }
        }
        return WordTokenizer.encode(String.join("\n", parts), vocab);
    }
}
