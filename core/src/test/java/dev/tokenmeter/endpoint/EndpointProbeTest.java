package dev.tokenmeter.endpoint;

import static dev.tokenmeter.endpoint.Fixtures.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The probe's answers: what a good endpoint serves, and one clear line for each bad one. */
@Timeout(60)
class EndpointProbeTest {
    private static final ScriptedServer.Script ONE_TOKEN = (req, out) -> ScriptedServer.oneByOne(req, out, 1);

    private static EndpointException refused(ScriptedServer server, Endpoint e, String key) {
        return assertThrows(EndpointException.class, () -> EndpointProbe.probe(e, key));
    }

    @Test
    void aGoodEndpointTellsItsModelAndContext() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            server.metricsStatus = 200;
            server.metricsBody = () -> "vllm:kv_cache_usage_perc 0.0\n";
            Endpoint asked = new Endpoint(server.url(), null, Endpoint.Api.COMPLETIONS, null, Map.of(), 5, 1, true);
            EndpointProbe.Served s = EndpointProbe.probe(asked, null);
            assertEquals("m", s.endpoint().model(), "the only model served is taken");
            assertEquals(4096, s.maxModelLen());
            assertEquals(List.of("m"), s.models());
            assertTrue(s.metrics());
            assertEquals(ServerFacts.modelOnly("m", 4096), s.facts());
            assertEquals(1, server.bodies.size(), "one tiny request");
            assertEquals(1, server.bodies.get(0).get("prompt").size());
            assertEquals(1, server.bodies.get(0).get("max_tokens").asInt());
        }
    }

    @Test
    void aNamedModelThatIsServedWithoutMetrics() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            server.modelsBody = "{\"data\":[{\"id\":\"a\"},{\"id\":\"m\"}]}";
            EndpointProbe.Served s = EndpointProbe.probe(endpoint(server.url(), 5), null);
            assertEquals("m", s.endpoint().model());
            assertEquals(null, s.maxModelLen());
            assertFalse(s.metrics());
        }
    }

    @Test
    void anUnreachableEndpointIsAFailedRun() throws Exception {
        URI closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
        EndpointException e = assertThrows(EndpointException.class,
                () -> EndpointProbe.probe(endpoint(closed, 5), null));
        assertEquals("cannot reach " + closed + ": connection refused", e.getMessage());
        assertFalse(e.usage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void somethingThatIsNotAnOpenAiApiIsAUsageError() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            Endpoint e = endpoint(server.url(), 5);
            server.modelsStatus = 404;
            server.modelsBody = "Not Found";
            EndpointException notFound = refused(server, e, null);
            assertEquals(server.url() + " is not an OpenAI-compatible API (GET /v1/models answered HTTP 404:"
                    + " Not Found)", notFound.getMessage());
            assertTrue(notFound.usage());
            server.modelsStatus = 200;
            server.modelsBody = "<html>hello</html>";
            assertEquals(server.url() + " is not an OpenAI-compatible API (GET /v1/models answered text that is"
                    + " not JSON: <html>hello</html>)", refused(server, e, null).getMessage());
            server.modelsBody = "{\"models\":[]}";
            assertEquals(server.url() + " is not an OpenAI-compatible API (GET /v1/models answered JSON without a"
                    + " \"data\" list)", refused(server, e, null).getMessage());
        }
    }

    @Test
    void aRefusedKey() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            server.modelsStatus = 401;
            server.modelsBody = "{\"error\":{\"message\":\"bad key\"}}";
            Endpoint keyed = new Endpoint(server.url(), "m", Endpoint.Api.COMPLETIONS, "TM_KEY", Map.of(), 5, 1, true);
            EndpointException e = refused(server, keyed, "wrong");
            assertEquals("the server refused the API key (HTTP 401; set $TM_KEY)", e.getMessage());
            assertTrue(e.usage());
            assertEquals("Bearer wrong", server.headers.get("authorization"));
            server.modelsStatus = 403;
            assertEquals("the server asks for an API key (GET /v1/models answered HTTP 403): name the environment"
                    + " variable that holds it", refused(server, endpoint(server.url(), 5), null).getMessage());
        }
    }

    @Test
    void aModelThatIsNotServedOrNoneChosen() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            server.modelsBody = "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}";
            EndpointException e = refused(server, endpoint(server.url(), 5), null);
            assertEquals("model 'm' is not served here; it serves: a, b", e.getMessage());
            assertTrue(e.usage());
            Endpoint none = endpoint(server.url(), 5).withModel(null);
            assertEquals(server.url() + " serves several models; choose one: a, b",
                    refused(server, none, null).getMessage());
            server.modelsBody = "{\"data\":[]}";
            EndpointException empty = refused(server, none, null);
            assertEquals(server.url() + " serves no model (GET /v1/models listed none)", empty.getMessage());
            assertFalse(empty.usage());
            assertEquals(0, server.requests.get(), "no request before the model is known");
        }
    }

    @Test
    void aBrokenServerFailsTheRun() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ONE_TOKEN)) {
            server.modelsStatus = 500;
            server.modelsBody = "{\"error\":{\"message\":\"engine not ready\"}}";
            EndpointException e = refused(server, endpoint(server.url(), 5), null);
            assertEquals(server.url() + " failed: GET /v1/models answered HTTP 500: engine not ready", e.getMessage());
            assertFalse(e.usage());
        }
    }

    @Test
    void theTinyRequestMustStreamAsTheClientReadsIt() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> out.stream().event("hello").done().end())) {
            EndpointException e = refused(server, endpoint(server.url(), 5), null);
            assertEquals(server.url() + " failed a 1-token test request through /v1/completions: malformed-stream:"
                    + " an event that is not JSON after 0 tokens: hello", e.getMessage());
            assertFalse(e.usage());
        }
        try (ScriptedServer server = new ScriptedServer((req, out) -> out.status(404, "{\"detail\":\"Not Found\"}"))) {
            EndpointException e = refused(server, endpoint(server.url(), 5), null);
            assertEquals(server.url() + " has no /v1/completions (HTTP 404: Not Found)", e.getMessage());
            assertTrue(e.usage());
        }
        try (ScriptedServer server = new ScriptedServer((req, out) -> out.status(400,
                "{\"error\":{\"message\":\"prompt must be a string\"}}"))) {
            assertEquals(server.url() + " failed a 1-token test request through /v1/completions: HTTP 400: prompt"
                    + " must be a string", refused(server, endpoint(server.url(), 5), null).getMessage());
        }
    }
}
