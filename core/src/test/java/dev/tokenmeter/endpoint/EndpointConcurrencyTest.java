package dev.tokenmeter.endpoint;

import static dev.tokenmeter.endpoint.Fixtures.MODEL;
import static dev.tokenmeter.endpoint.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of concurrent streams from one client: a server holds every stream open until all {@value #STREAMS}
 * are (so they truly are concurrent), then answers them; every record is correct and nothing is lost. The
 * client's overhead figures are {@link EndpointOverhead}'s, not this test's.
 */
@Timeout(120)
class EndpointConcurrencyTest {
    private static final int STREAMS = 2000;

    @Test
    void twoThousandConcurrentStreamsAllRecordedCorrectly() throws Exception {
        AtomicInteger open = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Map<Integer, Integer> promptLengths = new ConcurrentHashMap<>();
        Object gate = new Object();
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            int len = ScriptedServer.promptLength(req);
            promptLengths.merge(len, 1, Integer::sum);
            out.stream();
            int now = open.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            synchronized (gate) {
                gate.notifyAll();
                long until = System.nanoTime() + 30_000_000_000L;
                while (most.get() < STREAMS && System.nanoTime() < until) {
                    gate.wait(100);
                }
            }
            int prompt = len;
            out.event(ScriptedServer.chunk("a", null, prompt, 1));
            out.event(ScriptedServer.chunk("bcd", "length", prompt, 4));
            out.event(ScriptedServer.usageChunk(prompt, 4)).done().end();
            open.decrementAndGet();
        }); EndpointTarget t = new EndpointTarget(endpoint(server.url(), 60), MODEL, null)) {
            List<Arrival> arrivals = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                arrivals.add(new Arrival(i, i * 1e-5, 1 + i % 7, 4));
            }
            ServingLoop.Outcome o = t.openLoop(arrivals, 9, Long.MAX_VALUE, null);
            assertEquals(STREAMS, most.get(), "every stream was open at once");
            assertEquals(STREAMS, o.finished().size());
            assertEquals(0, o.unfinished().size());
            assertEquals(STREAMS, o.peakInFlight());
            long maxLag = 0;
            for (RequestRecord r : o.finished()) {
                assertTrue(r.completed(), r.toString());
                assertArrayEquals(new int[] {1, 3}, r.chunkTokens());
                assertEquals(-1, r.promptTokens(), "the server counted each prompt as asked");
                assertTrue(r.sentNanos() >= r.arrivalNanos());
                maxLag = Math.max(maxLag, r.sentNanos() - r.arrivalNanos());
            }
            for (int len = 1; len <= 7; len++) {
                int expected = 0;
                for (Arrival a : arrivals) {
                    expected += a.promptLength() == len ? 1 : 0;
                }
                assertEquals(expected, promptLengths.get(len), "prompts of " + len + " tokens");
            }
            assertEquals(STREAMS, server.bodies.size());
            for (JsonNode b : server.bodies) {
                assertEquals(4, b.get("max_tokens").asInt());
            }
            System.out.printf("2000 concurrent streams: client send lag max %.1f ms%n", maxLag / 1e6);
        }
    }

    @Test
    void connectionsReusedAcrossManyRequestsNeverFailThem() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out, 2));
                EndpointTarget t = new EndpointTarget(endpoint(server.url(), 30), MODEL, null)) {
            List<Arrival> requests = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                requests.add(new Arrival(i, 0, 3, 2));
            }
            ServingLoop.Outcome o = t.closedLoop(requests, 100, 1, Long.MAX_VALUE, null);
            assertEquals(1500, o.finished().size());
            for (RequestRecord r : o.finished()) {
                assertTrue(r.completed(), r.toString());
            }
            assertEquals(100, o.peakInFlight());
        }
    }
}
