package dev.tokenmeter.endpoint;

import static dev.tokenmeter.endpoint.Fixtures.MODEL;
import static dev.tokenmeter.endpoint.Fixtures.burst;
import static dev.tokenmeter.endpoint.Fixtures.byId;
import static dev.tokenmeter.endpoint.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EndpointTargetTest {
    @Test
    void promptsAreTheSyntheticTokenIdsAndEveryLengthIsExact() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out,
                req.get("max_tokens").asInt()))) {
            Endpoint e = new Endpoint(server.url(), "m", Endpoint.Api.COMPLETIONS, "KEY", Map.of("X-Team", "bench"),
                    10, 1, true);
            List<Arrival> arrivals = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                arrivals.add(new Arrival(i, i * 0.01, 3 + 5 * i, 1 + i));
            }
            ServingLoop.Outcome o;
            try (EndpointTarget t = new EndpointTarget(e, MODEL, "secret")) {
                o = t.openLoop(arrivals, 42, Long.MAX_VALUE, null);
            }
            assertEquals(6, o.finished().size());
            assertEquals(0, o.unfinished().size());
            assertEquals(0, o.steps());
            assertTrue(o.peakInFlight() >= 1);
            for (RequestRecord r : o.finished()) {
                assertTrue(r.completed(), r.toString());
                assertEquals(r.arrival().outputLength(), r.tokenNanos().length);
                assertEquals(-1, r.promptTokens());
                assertEquals(r.arrival().outputLength(), r.chunkTokens().length);
                assertTrue(r.sentNanos() >= r.arrivalNanos());
            }
            assertEquals(6, server.bodies.size());
            for (JsonNode body : server.bodies) {
                int len = body.get("prompt").size();
                int id = (len - 3) / 5;
                int[] sent = new int[len];
                for (int k = 0; k < len; k++) {
                    sent[k] = body.get("prompt").get(k).asInt();
                }
                assertArrayEquals(SyntheticPrompts.prompt(42, id, len, MODEL.vocab()), sent);
                assertEquals(1 + id, body.get("max_tokens").asInt());
                assertEquals(1 + id, body.get("min_tokens").asInt());
                assertTrue(body.get("ignore_eos").asBoolean());
                assertTrue(body.get("stream").asBoolean());
                assertTrue(body.get("stream_options").get("include_usage").asBoolean());
                assertTrue(body.get("stream_options").get("continuous_usage_stats").asBoolean());
                assertEquals(0, body.get("temperature").asInt());
                assertEquals("m", body.get("model").asText());
            }
            assertEquals("Bearer secret", server.headers.get("authorization"));
            assertEquals("bench", server.headers.get("x-team"));
        }
    }

    @Test
    void aChunkOfSeveralTokensIsRecordedAsSuch() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.tokens(req, out, 1, 3, 2));
                EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null)) {
            ServingLoop.Outcome o = t.openLoop(burst(1, 6), 1, Long.MAX_VALUE, null);
            RequestRecord r = o.finished().get(0);
            assertTrue(r.completed(), r.toString());
            assertArrayEquals(new int[] {1, 3, 2}, r.chunkTokens());
            long[] times = r.tokenNanos();
            assertEquals(times[1], times[3]);
            assertEquals(times[4], times[5]);
            assertNull(server.headers.get("authorization"), "no key, no Authorization header");
        }
    }

    @Test
    void aSlowFirstTokenCountsFromTheScheduledArrival() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            Thread.sleep(300);
            ScriptedServer.oneByOne(req, out, 2);
        }); EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null)) {
            RequestRecord r = t.openLoop(burst(1, 2), 1, Long.MAX_VALUE, null).finished().get(0);
            assertTrue(r.completed(), r.toString());
            assertTrue(r.tokenNanos()[0] - r.arrivalNanos() >= 300_000_000L, r.toString());
        }
    }

    @Test
    void openLoopSendsInScheduleOrderAndRecordsItsLag() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out, 1));
                EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null)) {
            List<Arrival> arrivals = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                arrivals.add(new Arrival(i, 0.05 * i, 2, 1));
            }
            List<long[]> ticks = new CopyOnWriteArrayList<>();
            ServingLoop.Outcome o = t.openLoop(arrivals, 1, Long.MAX_VALUE,
                    (steps, done, total, now) -> ticks.add(new long[] {steps, done, total, now}));
            RequestRecord[] r = byId(o, 8);
            for (int i = 0; i < 8; i++) {
                assertEquals(Math.round(0.05 * i * 1e9), r[i].arrivalNanos());
                assertTrue(r[i].sentNanos() >= r[i].arrivalNanos(), "the lag is recorded, never negative");
                assertTrue(i == 0 || r[i].sentNanos() >= r[i - 1].sentNanos());
            }
            assertTrue(ticks.size() >= 2, "the listener hears the run every ~100 ms: " + ticks.size());
            long[] last = ticks.get(ticks.size() - 1);
            assertArrayEquals(new long[] {0, 8, 8}, new long[] {last[0], last[1], last[2]});
            for (int i = 1; i < ticks.size(); i++) {
                assertTrue(ticks.get(i)[3] >= ticks.get(i - 1)[3]);
            }
        }
    }

    @Test
    void closedLoopKeepsConcurrencyRequestsInFlightAndStartsEachClockAtACompletion() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Thread.sleep(20);
            inFlight.decrementAndGet();
            ScriptedServer.oneByOne(req, out, 2);
        }); EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null)) {
            ServingLoop.Outcome o = t.closedLoop(burst(7, 2), 2, 1, Long.MAX_VALUE, null);
            assertEquals(7, o.finished().size());
            assertEquals(2, o.peakInFlight());
            assertTrue(most.get() <= 2, "the server saw at most 2 at once: " + most.get());
            List<Long> ends = new ArrayList<>();
            for (RequestRecord r : o.finished()) {
                assertTrue(r.completed(), r.toString());
                ends.add(r.tokenNanos()[1]);
            }
            for (RequestRecord r : o.finished()) {
                if (r.arrival().id() >= 2) {
                    assertTrue(r.arrivalNanos() > 0);
                    assertEquals(r.arrivalNanos(), Math.round(r.arrival().atSeconds() * 1e9), 1.0);
                    assertTrue(r.sentNanos() >= r.arrivalNanos());
                }
            }
        }
    }

    @Test
    void chatSendsTextAndTakesThePromptLengthFromUsage() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            int words = ScriptedServer.promptLength(req);
            out.stream();
            out.event("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
            out.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}");
            out.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}]}");
            out.event("{\"choices\":[],\"usage\":{\"prompt_tokens\":" + (words + 7) + ",\"completion_tokens\":2}}");
            out.done().end();
        }); EndpointTarget t = new EndpointTarget(Fixtures.chat(server.url(), 10), MODEL, null)) {
            RequestRecord r = t.openLoop(List.of(new Arrival(0, 0, 12, 2)), 3, Long.MAX_VALUE, null).finished().get(0);
            assertTrue(r.completed(), r.toString());
            assertEquals(19, r.promptTokens());
            assertEquals(19, r.prompt());
            JsonNode body = server.bodies.get(0);
            assertEquals("user", body.get("messages").get(0).get("role").asText());
            assertEquals(RequestBodies.chatText(SyntheticPrompts.prompt(3, 0, 12, MODEL.vocab())),
                    body.get("messages").get(0).get("content").asText());
            assertNull(body.get("ignore_eos"), "not asked");
        }
    }

    @Test
    void serverFactsComeFromMetricsAroundTheRun() throws Exception {
        AtomicInteger served = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            Thread.sleep(600);
            served.incrementAndGet();
            ScriptedServer.oneByOne(req, out, 1);
        })) {
            server.metricsStatus = 200;
            server.metricsBody = () -> "# TYPE vllm:request_queue_time_seconds histogram\n"
                    + "vllm:request_queue_time_seconds_sum{model_name=\"m\"} " + (10 + 0.25 * served.get()) + "\n"
                    + "vllm:request_queue_time_seconds_count{model_name=\"m\"} " + (40 + served.get()) + "\n"
                    + "vllm:kv_cache_usage_perc{model_name=\"m\"} " + (served.get() > 0 ? 0.2 : 0.6) + "\n";
            try (EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null, 4096)) {
                t.openLoop(burst(2, 1), 1, Long.MAX_VALUE, null);
                ServerFacts f = t.lastRunFacts();
                assertNotNull(f);
                assertEquals("m", f.model());
                assertEquals(4096, f.maxModelLen());
                assertEquals(2L, f.queuedRequests());
                assertEquals(0.25, f.meanQueueSeconds(), 1e-9);
                assertEquals(0.6, f.kvCacheUsagePeak(), 1e-9);
                assertTrue(f.kvCacheSamples() >= 3, "before, during (every 250 ms), after: " + f.kvCacheSamples());
                assertTrue(f.kvCacheUsageMean() > 0.2 && f.kvCacheUsageMean() < 0.6, f.toString());
            }
        }
    }

    @Test
    void aServerWithoutMetricsGivesOnlyItsModel() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out, 1));
                EndpointTarget t = new EndpointTarget(endpoint(server.url(), 10), MODEL, null)) {
            t.openLoop(burst(1, 1), 1, Long.MAX_VALUE, null);
            assertEquals(ServerFacts.modelOnly("m", null), t.lastRunFacts());
            assertEquals(0, t.lastRunReconciled());
        }
    }

    @Test
    void theApiKeyComesFromTheNamedVariable() {
        Endpoint e = new Endpoint(java.net.URI.create("http://127.0.0.1:1"), "m", Endpoint.Api.COMPLETIONS,
                "TM_KEY", Map.of(), 1, 1, true);
        assertEquals("k", EndpointTarget.apiKey(e, Map.of("TM_KEY", " k\n")::get));
        EndpointException missing = org.junit.jupiter.api.Assertions.assertThrows(EndpointException.class,
                () -> EndpointTarget.apiKey(e, name -> null));
        assertEquals("the API key's environment variable $TM_KEY is not set", missing.getMessage());
        assertTrue(missing.usage());
        assertEquals(2, missing.exitCode());
        assertNull(EndpointTarget.apiKey(endpoint(java.net.URI.create("http://127.0.0.1:1"), 1), name -> "x"));
    }
}
