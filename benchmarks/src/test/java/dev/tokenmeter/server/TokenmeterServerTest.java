package dev.tokenmeter.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible API over the tiny model: the engine's greedy tokens, exact usage, streaming, the errors. */
class TokenmeterServerTest {
    private static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(8, 256, Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String ids(int[] prompt) {
        return Arrays.stream(prompt).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    private static void usage(JsonNode usage, int prompt, int completion) {
        assertEquals(prompt, usage.path("prompt_tokens").asInt(), usage.toString());
        assertEquals(completion, usage.path("completion_tokens").asInt(), usage.toString());
        assertEquals(prompt + completion, usage.path("total_tokens").asInt(), usage.toString());
    }

    @Test
    void tokenIdPromptsGetTheEnginesGreedyGeneration() throws Exception {
        int n = 3;
        List<GreedyGeneration.Output> want;
        try (Engine e = t.backend.load(TestServer.TINY, EngineOptions.of(TestServer.SEED, n, 9 + 6))) {
            want = GreedyGeneration.run(e, TestServer.SEED, n, 9, 6);
        }
        for (GreedyGeneration.Output o : want) {
            HttpResponse<String> r = t.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": " + ids(o.prompt())
                    + ", \"max_tokens\": 6, \"temperature\": 0, \"ignore_eos\": true, \"min_tokens\": 6}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode body = TestServer.JSON.readTree(r.body());
            assertEquals("text_completion", body.get("object").asText());
            assertEquals("tiny", body.get("model").asText());
            JsonNode choice = body.get("choices").get(0);
            assertArrayEquals(o.generated(), WordTokenizer.parse(choice.get("text").asText()));
            assertEquals(WordTokenizer.render(o.generated()), choice.get("text").asText());
            assertEquals("length", choice.get("finish_reason").asText());
            usage(body.get("usage"), 9, 6);
        }
    }

    @Test
    void aStreamSendsOneEventPerTokenThenTheUsageThenDone() throws Exception {
        int[] prompt = WordTokenizer.encode("the quick brown fox", TestServer.TINY.vocab());
        int[] want = t.greedy(prompt, 5);
        HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": \"the quick  brown\\nfox\", \"max_tokens\": 5,"
                + " \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> events = TestServer.events(r.body());
        assertEquals(5 + 2, events.size(), r.body());
        for (int i = 0; i < 5; i++) {
            JsonNode choice = events.get(i).get("choices").get(0);
            assertEquals(WordTokenizer.render(want[i]), choice.get("text").asText());
            assertEquals(i == 4 ? "length" : "null", choice.get("finish_reason").asText());
            assertFalse(events.get(i).has("usage"), "usage only where asked");
        }
        assertEquals(0, events.get(5).get("choices").size());
        usage(events.get(5).get("usage"), 4, 5);
        assertEquals("[DONE]", events.get(6).asText());
    }

    @Test
    void continuousUsageStatsPutTheUsageSoFarInEveryChunk() throws Exception {
        HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": [1, 2, 3], \"max_tokens\": 4, \"stream\":"
                + " true, \"stream_options\": {\"continuous_usage_stats\": true}}");
        List<JsonNode> events = TestServer.events(r.body());
        assertEquals(5, events.size(), r.body());
        for (int i = 0; i < 4; i++) {
            usage(events.get(i).get("usage"), 3, i + 1);
        }
        assertArrayEquals(t.greedy(new int[] {1, 2, 3}, 4), events.subList(0, 4).stream()
                .mapToInt(e -> WordTokenizer.parse(e.get("choices").get(0).get("text").asText())[0]).toArray());
    }

    @Test
    void chatJoinsTheMessagesContentsAndAnswersOrStreams() throws Exception {
        String messages = "[{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\":"
                + " [{\"type\": \"text\", \"text\": \"hello world\"}, {\"type\": \"text\", \"text\": \"again\"}]}]";
        int[] prompt = WordTokenizer.encode("be brief\nhello world\nagain", TestServer.TINY.vocab());
        assertEquals(5, prompt.length);
        int[] want = t.greedy(prompt, 4);
        HttpResponse<String> r = t.post("/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": " + messages
                + ", \"max_completion_tokens\": 4}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestServer.JSON.readTree(r.body());
        assertEquals("chat.completion", body.get("object").asText());
        JsonNode message = body.get("choices").get(0).get("message");
        assertEquals("assistant", message.get("role").asText());
        assertArrayEquals(want, WordTokenizer.parse(message.get("content").asText()));
        usage(body.get("usage"), 5, 4);

        r = t.post("/v1/chat/completions", "{\"messages\": " + messages + ", \"max_tokens\": 4, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}}");
        List<JsonNode> events = TestServer.events(r.body());
        assertEquals(6, events.size(), r.body());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            assertEquals("chat.completion.chunk", events.get(i).get("object").asText());
            JsonNode delta = events.get(i).get("choices").get(0).get("delta");
            assertEquals(i == 0, delta.has("role"), "the role comes with the first token");
            text.append(delta.get("content").asText());
        }
        assertArrayEquals(want, WordTokenizer.parse(text.toString()));
        usage(events.get(4).get("usage"), 5, 4);
        assertEquals("[DONE]", events.get(5).asText());
    }

    /** A bad request's status and its OpenAI error object; never a stack trace. */
    private static JsonNode error(HttpResponse<String> r, int status, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = TestServer.JSON.readTree(r.body()).get("error");
        assertTrue(e != null && e.get("message").isTextual() && e.get("type").isTextual() && e.has("param")
                && e.has("code"), r.body());
        assertEquals(param, e.get("param").isNull() ? null : e.get("param").asText(), r.body());
        assertFalse(r.body().contains("\tat ") || r.body().contains("Exception"), r.body());
        return e;
    }

    @Test
    void badRequestsGetTheOpenAiErrorObjectWithTheirStatus() throws Exception {
        error(t.post("/v1/completions", "{\"prompt\": [1, 2"), 400, null);
        error(t.post("/v1/completions", "[1, 2]"), 400, null);
        error(t.post("/v1/completions", "{\"max_tokens\": 3}"), 400, "prompt");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"max_tokens\": \"3\"}"), 400, "max_tokens");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"max_tokens\": 0}"), 400, "max_tokens");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"n\": 2}"), 400, "n");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"temperature\": \"hot\"}"), 400, "temperature");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"stream\": \"yes\"}"), 400, "stream");
        error(t.post("/v1/completions", "{\"prompt\": \"a b\", \"stream_options\": {\"include_usage\": true}}"), 400,
                "stream_options");
        error(t.post("/v1/completions", "{\"prompt\": [1, 512]}"), 400, "prompt");
        error(t.post("/v1/completions", "{\"prompt\": \"   \"}"), 400, "prompt");
        JsonNode e = error(t.post("/v1/completions", "{\"prompt\": [\"one\", \"two\"]}"), 400, "prompt");
        assertTrue(e.get("message").asText().contains("one prompt per request"), e.toString());
        error(t.post("/v1/chat/completions", "{\"messages\": []}"), 400, "messages");
        error(t.post("/v1/chat/completions", "{\"messages\": [{\"content\": \"hi\"}]}"), 400, "messages");
        e = error(t.post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"a\"}"), 404, "model");
        assertEquals("model_not_found", e.get("code").asText());
        e = error(t.post("/v1/completions", "{\"prompt\": [1, 2, 3], \"max_tokens\": 254}"), 400, "prompt");
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("this model's maximum context length is 256 tokens; the request needs 257 (3 in the prompt,"
                + " 254 to generate)", e.get("message").asText());
        e = error(t.get("/v1/nothing"), 404, null);
        assertEquals("not_found", e.get("code").asText());
        HttpResponse<String> r = t.get("/v1/completions");
        error(r, 405, null);
        assertEquals("POST", r.headers().firstValue("allow").orElse(""));
        error(t.post("/metrics", "{}"), 405, null);
        // None of them reached the engine.
        assertEquals(0, t.server.scheduler().stats().live());
    }

    @Test
    void modelsAndHealth() throws Exception {
        HttpResponse<String> r = t.get("/v1/models");
        assertEquals(200, r.statusCode());
        JsonNode m = TestServer.JSON.readTree(r.body()).get("data").get(0);
        assertEquals("tiny", m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertEquals(256, m.get("max_model_len").asInt());
        assertEquals(200, t.get("/health").statusCode());
    }

    @Test
    void sixteenConcurrentRequestsAllCompleteWithTheirOwnTokens() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int[] prompt = SyntheticPrompts.prompt(7, i, 3 + i, TestServer.TINY.vocab());
            prompts.add(prompt);
            String body = "{\"prompt\": " + ids(prompt) + ", \"max_tokens\": " + (2 + i) + ", \"stream\": " + (i % 2
                    == 0) + "}";
            answers.add(t.http.sendAsync(HttpRequest.newBuilder(t.uri("/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 16; i++) {
            HttpResponse<String> r = answers.get(i).get();
            assertEquals(200, r.statusCode(), r.body());
            String text;
            if (i % 2 == 0) {
                List<JsonNode> events = TestServer.events(r.body());
                text = events.stream().filter(JsonNode::isObject)
                        .map(e -> e.get("choices").get(0).get("text").asText()).collect(Collectors.joining());
            } else {
                text = TestServer.JSON.readTree(r.body()).get("choices").get(0).get("text").asText();
            }
            assertArrayEquals(t.greedy(prompts.get(i), 2 + i), WordTokenizer.parse(text), "request " + i);
        }
    }
}
