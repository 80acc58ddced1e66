package dev.tokenmeter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.serving.LiveScheduler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What changes over a server's life: its metrics, a client that leaves mid-stream, a stop with streams in flight. */
class ServerLifecycleTest {
    private static final Pattern SAMPLE = Pattern.compile("([a-z_:]+)(\\{[^}]*\\})? (\\S+)");

    /** Every sample of a Prometheus text exposition, by name and labels; fails on a line that is not one. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample: '" + line + "'");
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    /** Opens a stream on a raw socket and reads until its first token's event; the socket is the caller's. */
    private static Socket openStream(TestServer t, int maxTokens) throws Exception {
        Socket s = new Socket("127.0.0.1", t.server.port());
        String body = "{\"prompt\": [1, 2, 3], \"max_tokens\": " + maxTokens + ", \"stream\": true}";
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.contains("data: {")) {
                return s;
            }
        }
        throw new AssertionError("the stream ended before its first token");
    }

    @Test
    void metricsParseAndCountWhatWasServed() throws Exception {
        try (TestServer t = new TestServer(4, 128, Duration.ofSeconds(5))) {
            String label = "{model_name=\"tiny\"}";
            Map<String, Double> before = parse(t.get("/metrics").body());
            assertEquals(0.0, before.get("tokenmeter_generation_tokens_total" + label));
            assertEquals(0.0, before.get("tokenmeter_kv_cache_usage_ratio" + label));
            assertEquals(0.0, before.get("tokenmeter_request_queue_time_seconds_count" + label));
            HttpResponse<String> r = t.get("/metrics");
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(r.body().contains("# TYPE tokenmeter_request_queue_time_seconds histogram"));
            for (String name : List.of("tokenmeter_num_requests_running", "tokenmeter_num_requests_waiting",
                    "tokenmeter_kv_cache_blocks_used", "tokenmeter_kv_cache_blocks_total",
                    "tokenmeter_prompt_tokens_total", "tokenmeter_request_success_total",
                    "tokenmeter_request_cancelled_total", "tokenmeter_request_failed_total",
                    "tokenmeter_request_rejected_total", "tokenmeter_num_preemptions_total",
                    "tokenmeter_engine_steps_total", "tokenmeter_request_queue_time_seconds_sum")) {
                assertTrue(before.containsKey(name + label), name);
            }
            assertEquals(200, t.post("/v1/completions", "{\"prompt\": \"a b c\", \"max_tokens\": 7}").statusCode());
            assertEquals(200, t.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                    + " \"x y\"}], \"max_tokens\": 2}").statusCode());
            assertEquals(400, t.post("/v1/completions", "{}").statusCode());
            Map<String, Double> after = parse(t.get("/metrics").body());
            assertEquals(9.0, after.get("tokenmeter_generation_tokens_total" + label));
            assertEquals(5.0, after.get("tokenmeter_prompt_tokens_total" + label));
            assertEquals(2.0, after.get("tokenmeter_request_success_total" + label));
            assertEquals(1.0, after.get("tokenmeter_request_rejected_total" + label));
            assertEquals(2.0, after.get("tokenmeter_request_queue_time_seconds_count" + label));
            assertEquals(2.0, after.get("tokenmeter_request_queue_time_seconds_bucket{model_name=\"tiny\","
                    + "le=\"+Inf\"}"));
            assertEquals(32.0, after.get("tokenmeter_kv_cache_blocks_total" + label));
            assertEquals(0.0, after.get("tokenmeter_num_requests_running" + label));
        }
    }

    @Test
    void aClientLeavingMidStreamFreesItsSlotAndBlocks() throws Exception {
        // One slot: while the stream holds it, no other request runs; once its client leaves, the next one does.
        try (TestServer t = new TestServer(1, 2048, Duration.ofSeconds(5), 2)) {
            try (Socket s = openStream(t, 2000)) {
                // The scheduler publishes its counts after the step whose token the stream has just sent.
                TestServer.await(() -> t.server.scheduler().stats().running() == 1, "the stream runs");
                assertTrue(t.server.scheduler().stats().kvBlocksUsed() > 0);
            }
            TestServer.await(() -> t.server.scheduler().stats().cancelled() == 1, "the request is cancelled");
            TestServer.await(() -> t.server.activeRequests() == 0, "the exchange ends");
            HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": [4, 5], \"max_tokens\": 3}");
            assertEquals(200, r.statusCode(), r.body());
            // The response ends in the completion's callback, before the scheduler thread publishes its counts at
            // the end of that step: wait for them (a leaked block would keep them from settling, and fail here).
            TestServer.await(() -> {
                LiveScheduler.Stats now = t.server.scheduler().stats();
                return now.completed() == 1 && now.running() == 0 && now.waiting() == 0 && now.kvBlocksUsed() == 0;
            }, "the scheduler's counts settle, every KV block given back");
            LiveScheduler.Stats st = t.server.scheduler().stats();
            assertEquals(0, st.running());
            assertEquals(0, st.waiting());
            assertEquals(0, st.kvBlocksUsed(), "no KV block leaked");
            assertEquals(1, st.completed());
            assertEquals(0, st.live());
        }
    }

    @Test
    void stoppingLetsAStreamInFlightFinishAndRefusesNewConnections() throws Exception {
        TestServer t = new TestServer(2, 512, Duration.ofSeconds(30), 2);
        try {
            CompletableFuture<HttpResponse<String>> stream = t.http.sendAsync(java.net.http.HttpRequest
                    .newBuilder(t.uri("/v1/completions")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": [1, 2, 3], \"max_tokens\": 300, \"stream\": true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            TestServer.await(() -> t.server.scheduler().stats().generationTokens() > 0, "the stream has begun");
            Thread stopper = new Thread(() -> t.server.stop(Duration.ofSeconds(30)));
            stopper.start();
            TestServer.await(t.server::isStopping, "the stop has begun");
            assertTrue(t.server.scheduler().stats().generationTokens() < 300, "the stop began mid-stream");
            HttpResponse<String> r = stream.get();
            List<JsonNode> events = TestServer.events(r.body());
            assertEquals(301, events.size(), "every token, then [DONE]");
            assertEquals("[DONE]", events.get(300).asText());
            stopper.join();
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", t.server.port()).close());
            assertEquals(1, t.server.scheduler().stats().completed());
        } finally {
            t.close();
        }
    }

    @Test
    void aStreamStillRunningAfterTheGracePeriodEndsWithAnErrorAndDone() throws Exception {
        TestServer t = new TestServer(1, 4096, Duration.ZERO, 1);
        try {
            CompletableFuture<HttpResponse<String>> stream = t.http.sendAsync(java.net.http.HttpRequest
                    .newBuilder(t.uri("/v1/completions")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": [1, 2, 3], \"max_tokens\": 4000, \"stream\": true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            TestServer.await(() -> t.server.scheduler().stats().generationTokens() > 0, "the stream has begun");
            t.server.close();
            List<JsonNode> events = TestServer.events(stream.get().body());
            JsonNode error = events.get(events.size() - 2).get("error");
            assertEquals("the server is shutting down", error.get("message").asText());
            assertEquals("[DONE]", events.get(events.size() - 1).asText());
            assertTrue(events.size() - 2 < 4000, "cut short");
            assertEquals(1, t.server.scheduler().stats().failed());
        } finally {
            t.close();
        }
    }
}
