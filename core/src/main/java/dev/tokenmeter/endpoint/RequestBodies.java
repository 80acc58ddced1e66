package dev.tokenmeter.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/**
 * The JSON bodies the client sends (docs/endpoint-client.md). Completions: the prompt as the synthetic prompt's
 * token ids, so the server sees exactly the asked input length. Chat, which needs text: one word per prompt token,
 * each word picked by its token id from a fixed list of 128 common English words; such words are mostly one token each
 * in the usual tokenizers, but the server's chat template adds its own, so the input length recorded is the
 * server's {@code usage.prompt_tokens}. Both stream, ask for usage (in every chunk where the server can), sample
 * greedily and, when asked, ignore end-of-sequence (vLLM's {@code ignore_eos} and {@code min_tokens}).
 */
public final class RequestBodies {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The chat prompt's words: token id {@code t} becomes {@code WORDS[t % WORDS.length]}. */
    static final String[] WORDS = ("the of and to in is was for that with as on by at from his her are this be"
            + " or an had not but which have one were all their they its new more has been first also two after"
            + " who other time than into"
            + " when some can about only over most made such between may many these used world later city during"
            + " years where three there both under year known would part well being while through found then early"
            + " school state people called great since work number before same home game team group music series"
            + " house power family high life own line long name end general back few left still second law water"
            + " little form small south north west east public around however against war national")
            .split(" ");

    private RequestBodies() {
    }

    /** A {@code /v1/completions} body: the prompt as token ids, {@code outputTokens} to generate. */
    public static byte[] completions(String model, int[] promptIds, int outputTokens, boolean ignoreEos) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode prompt = body.putArray("prompt");
        for (int id : promptIds) {
            prompt.add(id);
        }
        common(body, outputTokens, ignoreEos);
        return bytes(body);
    }

    /** A {@code /v1/chat/completions} body: one user message of {@link #chatText} words. */
    public static byte[] chat(String model, int[] promptIds, int outputTokens, boolean ignoreEos) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", chatText(promptIds));
        common(body, outputTokens, ignoreEos);
        return bytes(body);
    }

    /** The chat prompt's text: one word per token id, separated by spaces. */
    public static String chatText(int[] promptIds) {
        StringBuilder s = new StringBuilder(promptIds.length * 6);
        for (int i = 0; i < promptIds.length; i++) {
            if (i > 0) {
                s.append(' ');
            }
            s.append(WORDS[Math.floorMod(promptIds[i], WORDS.length)]);
        }
        return s.toString();
    }

    private static void common(ObjectNode body, int outputTokens, boolean ignoreEos) {
        body.put("max_tokens", outputTokens);
        if (ignoreEos) {
            body.put("ignore_eos", true);
            body.put("min_tokens", outputTokens);
        }
        body.put("temperature", 0);
        body.put("stream", true);
        ObjectNode options = body.putObject("stream_options");
        options.put("include_usage", true);
        options.put("continuous_usage_stats", true);
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
