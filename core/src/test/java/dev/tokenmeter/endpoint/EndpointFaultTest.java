package dev.tokenmeter.endpoint;

import static dev.tokenmeter.endpoint.Fixtures.MODEL;
import static dev.tokenmeter.endpoint.Fixtures.burst;
import static dev.tokenmeter.endpoint.Fixtures.byId;
import static dev.tokenmeter.endpoint.Fixtures.endpoint;
import static dev.tokenmeter.endpoint.Fixtures.kind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestFailure.Kind;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each way a server can fail a request gives that request its recorded outcome, by its deadline at the latest,
 * and the requests that finished beside it are kept. Request 0 of each run is served well.
 */
@Timeout(60)
class EndpointFaultTest {
    /** Serves request 0 (prompt 4) well and the others with {@code fault}. */
    private static ServingLoop.Outcome run(ScriptedServer.Script fault, double timeoutSeconds, int output)
            throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            if (ScriptedServer.promptLength(req) == 4) {
                ScriptedServer.oneByOne(req, out, req.get("max_tokens").asInt());
            } else {
                fault.respond(req, out);
            }
        }); EndpointTarget t = new EndpointTarget(endpoint(server.url(), timeoutSeconds), MODEL, null)) {
            ServingLoop.Outcome o = t.openLoop(burst(2, output), 1, Long.MAX_VALUE, null);
            assertEquals(2, o.finished().size(), "failed requests are finished, and nothing is lost");
            assertTrue(byId(o, 2)[0].completed(), "the request served well is kept");
            return o;
        }
    }

    private static RequestRecord failed(ServingLoop.Outcome o, Kind kind) {
        RequestRecord r = byId(o, 2)[1];
        assertEquals(kind, kind(r), r.toString());
        assertTrue(r.sentNanos() >= 0);
        return r;
    }

    @Test
    void aStallMidStreamEndsAtTheDeadline() throws Exception {
        RequestRecord r = failed(run((req, out) -> {
            out.stream().event(ScriptedServer.chunk("a", null, 5, 1)).event(ScriptedServer.chunk("b", null, 5, 2));
            Thread.sleep(60_000);
        }, 1, 4), Kind.TIMEOUT);
        assertEquals(2, r.tokenNanos().length, "the tokens received before the stall are kept");
        assertEquals("no complete response within 1 s of its scheduled arrival (2 of 4 tokens)",
                r.failure().detail());
    }

    @Test
    void noHeadersBeforeTheDeadlineIsATimeout() throws Exception {
        RequestRecord r = failed(run((req, out) -> Thread.sleep(60_000), 0.5, 2), Kind.TIMEOUT);
        assertEquals(0, r.tokenNanos().length);
    }

    @Test
    void rateLimitedAndUnavailableAreHttpStatusFailures() throws Exception {
        assertEquals("HTTP 429: rate limit exceeded", failed(run((req, out) -> out.status(429,
                "{\"error\":{\"message\":\"rate limit exceeded\",\"type\":\"rate_limit\"}}"), 5, 2),
                Kind.HTTP_STATUS).failure().detail());
        assertEquals("HTTP 503: Service Unavailable", failed(run((req, out) -> out.status(503,
                "Service Unavailable\n<html>"), 5, 2), Kind.HTTP_STATUS).failure().detail());
        assertEquals("HTTP 400: max_tokens is too large", failed(run((req, out) -> out.status(400,
                "{\"object\":\"error\",\"message\":\"max_tokens is too large\"}"), 5, 2), Kind.HTTP_STATUS)
                .failure().detail());
    }

    @Test
    void malformedEventsAndStreamsWithoutTheirEnd() throws Exception {
        RequestRecord bad = failed(run((req, out) -> out.stream().event(ScriptedServer.chunk("a", null, 5, 1))
                .event("{\"choices\": [ oops").done().end(), 5, 2), Kind.MALFORMED_STREAM);
        assertEquals(1, bad.tokenNanos().length);
        assertTrue(bad.failure().detail().startsWith("an event that is not JSON after 1 tokens"), bad.toString());
        RequestRecord noDone = failed(run((req, out) -> {
            out.stream().event(ScriptedServer.chunk("a", null, 5, 1)).event(ScriptedServer.chunk("b", "length", 5, 2));
            out.end();
        }, 5, 2), Kind.MALFORMED_STREAM);
        assertEquals("the stream ended without [DONE] after 2 tokens", noDone.failure().detail());
    }

    @Test
    void anErrorObjectInsideTheStream() throws Exception {
        RequestRecord r = failed(run((req, out) -> out.stream().event(ScriptedServer.chunk("a", null, 5, 1))
                .event("{\"error\":{\"message\":\"engine died\",\"code\":500}}").done().end(), 5, 3),
                Kind.SERVER_ERROR);
        assertEquals("the stream carried an error after 1 tokens: engine died", r.failure().detail());
    }

    @Test
    void aServerThatIgnoresMaxTokensAndOneThatStopsEarly() throws Exception {
        RequestRecord longer = failed(run((req, out) -> ScriptedServer.oneByOne(req, out, 7), 5, 3),
                Kind.LONG_OUTPUT);
        assertEquals(3, longer.tokenNanos().length, "the first outputLength token times are kept");
        assertEquals("the server sent 7 tokens for max_tokens 3 (the first 3 kept)", longer.failure().detail());
        RequestRecord shorter = failed(run((req, out) -> ScriptedServer.oneByOne(req, out, 2), 5, 3),
                Kind.SHORT_OUTPUT);
        assertEquals(2, shorter.tokenNanos().length);
    }

    @Test
    void aConnectionDroppedMidStream() throws Exception {
        try (RawServer raw = new RawServer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunked("data: " + ScriptedServer.chunk("a", null, 5, 1)
                + "\n\n"));
                EndpointTarget t = new EndpointTarget(endpoint(raw.url(), 5), MODEL, null)) {
            RequestRecord r = t.openLoop(burst(1, 3), 1, Long.MAX_VALUE, null).finished().get(0);
            assertEquals(Kind.CONNECTION, kind(r), r.toString());
            assertEquals(1, r.tokenNanos().length);
            assertTrue(r.failure().detail().startsWith("connection closed after 1 tokens"), r.toString());
        }
    }

    @Test
    void aRefusedConnection() throws Exception {
        URI closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
        try (EndpointTarget t = new EndpointTarget(endpoint(closed, 5), MODEL, null)) {
            ServingLoop.Outcome o = t.openLoop(burst(3, 2), 1, Long.MAX_VALUE, null);
            assertEquals(3, o.finished().size());
            for (RequestRecord r : o.finished()) {
                assertEquals(Kind.CONNECTION, kind(r), r.toString());
                assertTrue(r.failure().detail().startsWith("connection refused"), r.toString());
            }
        }
    }

    @Test
    void theRunsEndLeavesWhatIsInFlightUnfinishedAndKeepsWhatFinished() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            if (ScriptedServer.promptLength(req) == 4) {
                ScriptedServer.oneByOne(req, out, 2);
            } else {
                out.stream().event(ScriptedServer.chunk("a", null, 5, 1));
                Thread.sleep(60_000);
            }
        }); EndpointTarget t = new EndpointTarget(endpoint(server.url(), 30), MODEL, null)) {
            List<Arrival> arrivals = List.of(new Arrival(0, 0, 4, 2), new Arrival(1, 0, 5, 2),
                    new Arrival(2, 5, 6, 2));
            ServingLoop.Outcome o = t.openLoop(arrivals, 1, 700_000_000L, null);
            assertEquals(1, o.finished().size());
            assertTrue(o.finished().get(0).completed());
            assertEquals(2, o.unfinished().size());
            RequestRecord[] r = byId(o, 3);
            assertNull(r[1].failure(), "the run's end is not the server's failure");
            assertEquals(1, r[1].tokenNanos().length, "what it had received is kept");
            assertTrue(r[1].sentNanos() >= 0);
            assertEquals(-1, r[2].sentNanos(), "never sent: it was due after the run's end");
            assertTrue(o.endNanos() >= 700_000_000L && o.endNanos() < 5_000_000_000L, "ended at maxNanos");
            assertEquals(2, o.peakInFlight());
        }
    }

    private static String chunked(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return Integer.toHexString(b.length) + "\r\n" + text + "\r\n";
    }

    /** Answers every connection with fixed bytes, then closes it: a server that drops streams. */
    private static final class RawServer implements AutoCloseable {
        private final ServerSocket socket;

        RawServer(String answer) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        InputStream in = s.getInputStream();
                        readRequest(in);
                        OutputStream o = s.getOutputStream();
                        o.write(answer.getBytes(StandardCharsets.UTF_8));
                        o.flush();
                        Thread.sleep(100);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }, "raw-server");
            t.setDaemon(true);
            t.start();
        }

        /** Reads the headers and a Content-Length body. */
        private static void readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).strip()));
                }
            }
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
