package dev.tokenmeter.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.serving.RequestFailure;
import java.util.Arrays;

/**
 * Counts one streamed response's output tokens, chunk by chunk, without ever re-tokenizing text, and decides how
 * the request ended. The rule (docs/endpoint-client.md):
 * <ul>
 *   <li>a chunk that carries {@code usage.completion_tokens} beside its choices (vLLM's
 *       {@code continuous_usage_stats}) carries the increase of that cumulative count: several tokens in one chunk
 *       are recorded as such, and share its arrival time;</li>
 *   <li>otherwise a chunk whose choice carries text (completions' {@code text}, chat's {@code delta.content} or
 *       {@code delta.reasoning_content}) carries one token;</li>
 *   <li>the last {@code usage.completion_tokens} the server sends is the request's total: where the chunks' count
 *       disagrees, the server's total is kept (tokens it counted beyond the chunks join the last chunk; tokens
 *       counted beyond the server's total are dropped from the end) and the request is marked
 *       {@link #reconciled()}.</li>
 * </ul>
 * Not thread-safe: one stream's events arrive in order.
 */
final class StreamAccount {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int promptLength;
    private final int outputLength;
    private final boolean chat;
    private long[] chunkNanos = new long[16];
    private int[] chunkTokens = new int[16];
    private int chunks;
    private int counted;
    private int usageTotal = -1;
    private int usagePrompt = -1;
    private long usageNanos = -1;
    private String finishReason;
    private boolean done;
    private boolean reconciled;
    private RequestFailure failure;

    StreamAccount(int promptLength, int outputLength, boolean chat) {
        this.promptLength = promptLength;
        this.outputLength = outputLength;
        this.chat = chat;
    }

    /**
     * Takes one event's data, received at {@code nanos}. Returns false once the stream has failed (an error
     * object, data that is not JSON): the request ends there.
     */
    boolean event(String data, long nanos) {
        if (failure != null) {
            return false;
        }
        if (done) {
            return true;
        }
        if (data.strip().equals("[DONE]")) {
            done = true;
            return true;
        }
        JsonNode node;
        try {
            node = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            failure = new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, "an event that is not JSON after "
                    + counted + " tokens: " + clip(data));
            return false;
        }
        if (node == null || !node.isObject()) {
            failure = new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, "an event that is not a JSON object: "
                    + clip(data));
            return false;
        }
        if (node.has("error") || "error".equals(node.path("object").asText())) {
            failure = new RequestFailure(RequestFailure.Kind.SERVER_ERROR, "the stream carried an error after "
                    + counted + " tokens: " + errorMessage(node));
            return false;
        }
        JsonNode usage = node.get("usage");
        int cumulative = -1;
        if (usage != null && usage.isObject()) {
            if (usage.path("completion_tokens").isIntegralNumber()) {
                cumulative = usage.get("completion_tokens").asInt();
                usageTotal = cumulative;
                usageNanos = nanos;
            }
            if (usage.path("prompt_tokens").isIntegralNumber()) {
                usagePrompt = usage.get("prompt_tokens").asInt();
            }
        }
        JsonNode choice = node.path("choices").path(0);
        if (choice.isMissingNode()) {
            return true;
        }
        if (choice.hasNonNull("finish_reason")) {
            finishReason = choice.get("finish_reason").asText();
        }
        if (cumulative >= 0) {
            if (cumulative > counted) {
                add(nanos, cumulative - counted);
            }
        } else if (carriesText(choice)) {
            add(nanos, 1);
        }
        return true;
    }

    private static boolean carriesText(JsonNode choice) {
        return !choice.path("text").asText("").isEmpty()
                || !choice.path("delta").path("content").asText("").isEmpty()
                || !choice.path("delta").path("reasoning_content").asText("").isEmpty();
    }

    private void add(long nanos, int tokens) {
        if (chunks == chunkNanos.length) {
            chunkNanos = Arrays.copyOf(chunkNanos, chunks * 2);
            chunkTokens = Arrays.copyOf(chunkTokens, chunks * 2);
        }
        chunkNanos[chunks] = nanos;
        chunkTokens[chunks++] = tokens;
        counted += tokens;
    }

    /**
     * The stream's body ended (the server closed it normally). Decides the outcome: the tokens as the server
     * totals them, and a failure where the stream was cut short, lacked what it needed, or carried too few or too
     * many tokens.
     */
    void end(boolean cutMidEvent) {
        if (failure != null) {
            return;
        }
        if (usageTotal >= 0 && usageTotal != counted) {
            reconcile(usageTotal);
        }
        if (!done || cutMidEvent) {
            failure = new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, "the stream ended without [DONE] after "
                    + counted + " tokens");
        } else if (chat && usagePrompt < 1) {
            failure = new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, "no usage.prompt_tokens in the stream"
                    + " (the chat API's input length is the server's count; stream_options.include_usage ignored?)");
        } else if (counted > outputLength) {
            failure = new RequestFailure(RequestFailure.Kind.LONG_OUTPUT, "the server sent " + counted
                    + " tokens for max_tokens " + outputLength + " (the first " + outputLength + " kept)");
        } else if (counted < outputLength) {
            failure = new RequestFailure(RequestFailure.Kind.SHORT_OUTPUT, counted + " of " + outputLength
                    + " tokens" + (finishReason == null ? "" : " (finish_reason " + finishReason + ")"));
        }
    }

    /** The server's total wins: extra tokens join the last chunk (or one at the usage's time); surplus ones go. */
    private void reconcile(int total) {
        reconciled = true;
        if (total > counted) {
            if (chunks == 0) {
                add(usageNanos, total);
            } else {
                chunkTokens[chunks - 1] += total - counted;
                counted = total;
            }
            return;
        }
        while (counted > total) {
            int drop = Math.min(counted - total, chunkTokens[chunks - 1]);
            chunkTokens[chunks - 1] -= drop;
            counted -= drop;
            if (chunkTokens[chunks - 1] == 0) {
                chunks--;
            }
        }
    }

    /** Fails the request from outside the stream (deadline, connection), keeping the tokens received so far. */
    void fail(RequestFailure f) {
        if (failure == null) {
            failure = f;
        }
    }

    RequestFailure failure() {
        return failure;
    }

    /** Whether the chunks' count disagreed with the server's usage total (which was kept). */
    boolean reconciled() {
        return reconciled;
    }

    /** Tokens received so far (after reconciliation, once ended). */
    int tokens() {
        return counted;
    }

    /** The prompt's tokens the server's count for chat, or where it differs from the asked, else −1. */
    int promptTokens() {
        if (usagePrompt < 1) {
            return -1;
        }
        return chat || usagePrompt != promptLength ? usagePrompt : -1;
    }

    /** The first {@code outputLength} token times: each chunk's time repeated for its tokens. */
    long[] tokenNanos() {
        long[] out = new long[Math.min(counted, outputLength)];
        int at = 0;
        for (int c = 0; c < chunks && at < out.length; c++) {
            for (int k = 0; k < chunkTokens[c] && at < out.length; k++) {
                out[at++] = chunkNanos[c];
            }
        }
        return out;
    }

    /** The chunks' token counts covering {@link #tokenNanos()} (the last one cut where tokens were dropped). */
    int[] chunkTokens() {
        int keep = Math.min(counted, outputLength);
        int[] out = new int[chunks];
        int n = 0;
        int at = 0;
        for (int c = 0; c < chunks && at < keep; c++) {
            int t = Math.min(chunkTokens[c], keep - at);
            out[n++] = t;
            at += t;
        }
        return Arrays.copyOf(out, n);
    }

    /** The message of an OpenAI-style error object ({@code {"error": {"message": ...}}}), or the text itself. */
    static String errorMessage(JsonNode node) {
        JsonNode e = node.has("error") ? node.get("error") : node;
        if (e.isTextual()) {
            return clip(e.asText());
        }
        for (String field : new String[] {"message", "detail", "msg"}) {
            if (e.hasNonNull(field)) {
                return clip(e.get(field).asText());
            }
        }
        return clip(e.toString());
    }

    /** The server's error message in a non-200 body: its error object's message, else the body's first line. */
    static String errorMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(no body)";
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.isObject()) {
                return errorMessage(node);
            }
        } catch (JsonProcessingException e) {
            // not JSON: the text is the message
        }
        return clip(body.strip().lines().findFirst().orElse(""));
    }

    static String clip(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= 200 ? one : one.substring(0, 200) + "...";
    }
}
